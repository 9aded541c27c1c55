package io.wnd.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalKafkaIT {

  @Test
  void shouldKeepTopicsAndRecordsAcrossARestartOnTheSameDirectory(@TempDir Path dir) throws Exception {
    String bootstrap;
    try (LocalKafka kafka = LocalKafka.create(dir, 0, 0, Map.of()).start(Duration.ofSeconds(60))) {
      bootstrap = kafka.bootstrapServers();
      assertThat(bootstrap).startsWith("127.0.0.1:");
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
        admin.createTopics(List.of(new NewTopic("restart-test", 1, (short) 1))).all().get();
      }
      produce(bootstrap, "restart-test", "a", "b", "c");
    }
    try (LocalKafka again = LocalKafka.create(dir, 0, 0, Map.of()).start(Duration.ofSeconds(60))) {
      assertThat(again.bootstrapServers()).as("the port is remembered in the directory").isEqualTo(bootstrap);
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", again.bootstrapServers()))) {
        assertThat(admin.listTopics().names().get()).contains("restart-test");
      }
      produce(again.bootstrapServers(), "restart-test", "d");
      assertThat(consumeAll(again.bootstrapServers(), "restart-test", 4)).containsExactly("a", "b", "c", "d");
    }
  }

  @Test
  void shouldLeaveItsSocketBuffersToTheKernel(@TempDir Path dir) throws Exception {
    // Kafka's fixed 100 KB buffers let a full receive queue drop segments, resent after TCP's 200 ms minimum
    // retransmission timeout (ScorerConfig.clientConfig)
    try (LocalKafka kafka = LocalKafka.create(dir, 0, 0, Map.of()).start(Duration.ofSeconds(60));
        Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
      Config config = admin.describeConfigs(List.of(broker)).all().get().get(broker);
      assertThat(config.get("socket.receive.buffer.bytes").value()).isEqualTo("-1");
      assertThat(config.get("socket.send.buffer.bytes").value()).isEqualTo("-1");
    }
  }

  @Test
  void shouldRefuseAPortThatIsTaken(@TempDir Path a, @TempDir Path b) {
    try (LocalKafka first = LocalKafka.create(a, 0, 0, Map.of()).start(Duration.ofSeconds(60))) {
      int port = Integer.parseInt(first.bootstrapServers().split(":")[1]);
      LocalKafka second = LocalKafka.create(b, port, 0, Map.of());
      assertThatThrownBy(() -> second.start(Duration.ofSeconds(20)))
          .isInstanceOf(BrokerException.class)
          .hasMessage("port " + port + " on 127.0.0.1 is in use (another broker, or another program): stop it, or "
              + "pick another port (wnd kafka --port N; 0 picks a free one)");
      assertThat(second.isRunning()).isFalse();
    }
  }

  private static void produce(String bootstrap, String topic, String... values) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (var producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      for (String v : values) {
        producer.send(new ProducerRecord<>(topic, v, v)).get();
      }
    }
  }

  private static List<String> consumeAll(String bootstrap, String topic, int expected) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    List<String> out = new ArrayList<>();
    try (var consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, 0);
      consumer.assign(Set.of(tp));
      consumer.seekToBeginning(Set.of(tp));
      long deadline = System.currentTimeMillis() + 30_000;
      while (out.size() < expected && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          out.add(r.value());
        }
      }
    }
    return out;
  }
}

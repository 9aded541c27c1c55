package io.wnd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code wnd kafka} as a user runs it: its own JVM from the built jar, stopped with SIGTERM. */
class KafkaCommandIT {
  private final ObjectMapper mapper = new ObjectMapper();

  @Test
  void shouldServeClientsSurviveARestartAndStopCleanlyOnSigterm(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("kafka");
    Process first = start(data);
    String bootstrap;
    try {
      JsonNode ready = readyLine(first);
      bootstrap = ready.get("bootstrap_servers").asText();
      assertThat(ready.get("topics_created").asInt()).isEqualTo(7);
      try (var p = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", bootstrap),
          new StringSerializer(), new StringSerializer())) {
        p.send(new ProducerRecord<>("wnd.clicks", 0, "k", "before-restart")).get();
      }
    } finally {
      first.destroy(); // SIGTERM
    }
    assertThat(first.waitFor(30, TimeUnit.SECONDS)).as("stops within 30 s of SIGTERM").isTrue();
    assertThat(first.exitValue()).as("a clean stop on SIGTERM exits 143 (128 + 15) from the JVM's hook")
        .isIn(0, 143);

    Process second = start(data);
    try {
      JsonNode ready = readyLine(second);
      assertThat(ready.get("topics_created").asInt()).as("topics survived the restart").isZero();
      String again = ready.get("bootstrap_servers").asText();
      List<String> values = new ArrayList<>();
      try (var c = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers", again),
          new StringDeserializer(), new StringDeserializer())) {
        TopicPartition tp = new TopicPartition("wnd.clicks", 0);
        c.assign(Set.of(tp));
        c.seekToBeginning(Set.of(tp));
        long deadline = System.currentTimeMillis() + 30_000;
        while (values.isEmpty() && System.currentTimeMillis() < deadline) {
          c.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
        }
      }
      assertThat(values).containsExactly("before-restart");
    } finally {
      second.destroy();
      second.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static Process start(Path data) throws Exception {
    Path jar = Path.of("target", "wnd.jar").toAbsolutePath();
    assertThat(jar).exists();
    Path log = Files.createTempFile("wnd-kafka-", ".log");
    return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        jar.toString(), "kafka", "--dir", data.toString(), "--port", "0", "--json")
        .redirectError(log.toFile()).start();
  }

  private JsonNode readyLine(Process p) throws Exception {
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line = r.readLine();
    assertThat(line).as("the ready line").isNotNull();
    return mapper.readTree(line);
  }
}

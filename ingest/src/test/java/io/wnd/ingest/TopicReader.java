package io.wnd.ingest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a whole topic in tests: until {@code expected} records arrived and then a quiet second, or 60 s. */
public final class TopicReader {
  private TopicReader() {}

  public static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, String topic, int expected) {
    Map<String, Object> cfg = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (var c = new KafkaConsumer<>(cfg, new StringDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of(topic));
      long deadline = System.currentTimeMillis() + 60_000;
      long quietSince = System.currentTimeMillis();
      while (System.currentTimeMillis() < deadline) {
        var batch = c.poll(Duration.ofMillis(200));
        batch.forEach(out::add);
        if (!batch.isEmpty()) {
          quietSince = System.currentTimeMillis();
        } else if (out.size() >= expected && System.currentTimeMillis() - quietSince > 1_000) {
          break;
        }
      }
    }
    return out;
  }
}

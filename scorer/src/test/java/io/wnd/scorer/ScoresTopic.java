package io.wnd.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import io.wnd.avro.Score;
import io.wnd.broker.LocalKafka;
import io.wnd.schemas.topics.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reading the scores topic the way a user does (read_committed), and waiting on a scorer, for the ITs. */
final class ScoresTopic {
  private ScoresTopic() {}

  static KafkaConsumer<String, byte[]> scoresConsumer(LocalKafka kafka, Topics topics) {
    Map<String, Object> cfg = Map.of("bootstrap.servers", kafka.bootstrapServers(), "isolation.level", "read_committed");
    KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(cfg, new StringDeserializer(), new ByteArrayDeserializer());
    String topic = topics.name(Topics.SCORES);
    var parts = c.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
    c.assign(parts);
    c.seekToBeginning(parts);
    return c;
  }

  static Map<String, Score> readScores(KafkaConsumer<String, byte[]> c, String prefix, int n) {
    return readScores(c, prefix, n, null);
  }

  /**
   * Reads scores until {@code n} with ids starting with {@code prefix} arrived (60 s at most); on a shortfall the
   * assertion names the missing ids and what the running scorer counted (scored, held, outcomes, dead letters).
   */
  static Map<String, Score> readScores(KafkaConsumer<String, byte[]> c, String prefix, int n, ScorerApp app) {
    Map<String, Score> out = new HashMap<>();
    long deadline = System.currentTimeMillis() + 60_000;
    while (out.size() < n && System.currentTimeMillis() < deadline) {
      for (var r : c.poll(Duration.ofMillis(200))) {
        if (r.key().startsWith(prefix)) {
          out.put(r.key(), Topics.serdes(null).scores().deserialize("", r.value()));
        }
      }
    }
    if (out.size() < n) {
      java.util.List<String> missing = new java.util.ArrayList<>();
      for (int i = 0; i < n && missing.size() < 30; i++) {
        if (!out.containsKey(prefix + i)) {
          missing.add(prefix + i);
        }
      }
      String counts = app == null ? "" : String.format("; the scorer: state %s, version %d, scored %.0f, held %s, "
          + "duplicate impressions %.0f, dead letters %s", app.streams().state(), app.model().version(),
          app.metrics().scoredCount(), app.metrics().registry().find("wnd.scorer.held").counters().stream()
              .map(m -> String.valueOf(m.count())).toList(),
          app.metrics().outcomeCount(ScorerMetrics.DUPLICATE_IMPRESSION), app.deadLetters().counts());
      assertThat(out).as("scores %s*: %d of %d after 60 s; missing (ids %s<i> for i < %d): %s%s", prefix, out.size(), n,
          prefix, n, missing, counts).hasSize(n);
    }
    return out;
  }

  static void await(java.util.function.BooleanSupplier done, String what) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 20_000;
    while (!done.getAsBoolean() && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    assertThat(done.getAsBoolean()).as(what).isTrue();
  }
}

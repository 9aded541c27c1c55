package io.wnd.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wnd.avro.LabelledExample;
import io.wnd.avro.Score;
import io.wnd.schemas.deadletter.DeadLetterHandler;
import io.wnd.schemas.deadletter.DeadLetters;
import io.wnd.schemas.topics.Topics;
import io.wnd.schemas.wire.WireFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.message.SchemaStore;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bad-input corpus through the scorer's topology: every case gets its defined outcome, counters add up. */
class BadInputTest {
  @TempDir
  Path dir;

  @Test
  void shouldGiveEveryCaseOfTheCorpusItsDefinedOutcomeAndCountEachInputOnce() throws Exception {
    long t0 = (System.currentTimeMillis() - 7_200_000L) / 1000 * 1000;
    BadInputCorpus corpus = new BadInputCorpus(t0);
    Topics topics = Topics.defaults();
    SchemaStore.Cache store = new SchemaStore.Cache();
    for (Schema s : WireFormat.compiledIn()) {
      store.addSchema(s);
    }
    store.addSchema(BadInputCorpus.DOUBLE_I1_WRITER);
    Topics.Serdes serdes = Topics.serdes(store);
    DeadLetters deadLetters = Fixtures.deadLetters(topics);
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "bad-input-test");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("streams").toString());
    p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
    p.put(DeadLetterHandler.DEAD_LETTERS_CONFIG, deadLetters);
    try (ModelProvider provider = new ModelProvider(Fixtures.store(dir), Fixtures.SPEC)) {
      Fixtures.commit(provider.store(), 1, Fixtures.model(1, 50));
      ScorerMetrics metrics = new ScorerMetrics(new SimpleMeterRegistry(), deadLetters, provider);
      var settings = new ScorerTopology.Settings(topics, Fixtures.SPEC, Fixtures.MODEL, BadInputCorpus.WINDOW,
          BadInputCorpus.GRACE, 100, Double.NaN, 100);
      try (TopologyTestDriver driver = new TopologyTestDriver(
          ScorerTopology.create(settings, serdes, provider, metrics, deadLetters), p)) {
        TestInputTopic<String, byte[]> imps = driver.createInputTopic(topics.name(Topics.IMPRESSIONS),
            new StringSerializer(), new ByteArraySerializer());
        TestInputTopic<String, byte[]> clicks = driver.createInputTopic(topics.name(Topics.CLICKS),
            new StringSerializer(), new ByteArraySerializer());
        TestOutputTopic<String, Score> scores = driver.createOutputTopic(topics.name(Topics.SCORES),
            new StringDeserializer(), serdes.scores());
        TestOutputTopic<String, LabelledExample> examples = driver.createOutputTopic(topics.name(Topics.EXAMPLES),
            new StringDeserializer(), serdes.examples());
        TestOutputTopic<byte[], byte[]> dead = driver.createOutputTopic(topics.name(Topics.DEAD_LETTER),
            new ByteArrayDeserializer(), new ByteArrayDeserializer());
        for (var c : corpus.all()) {
          (c.input() == BadInputCorpus.Input.IMPRESSIONS ? imps : clicks)
              .pipeInput(new TestRecord<>(c.key(), c.value(), Instant.now()));
        }
        Outcomes out = new Outcomes();
        scores.readRecordsToList().forEach(r -> out.score(r.key(), r.value()));
        examples.readRecordsToList().forEach(r -> out.example(r.key(), r.value()));
        dead.readRecordsToList().forEach(r -> out.deadLetter(r.key(), r.headers()));
        out.check(corpus, metrics, deadLetters);
      }
    }
  }

  /** What came out of the scorer, checked against the corpus; shared with {@code BadInputIT}. */
  static final class Outcomes {
    final Map<String, Integer> scored = new HashMap<>();
    final Map<String, Integer> examples = new HashMap<>();
    final Map<String, Integer> labels = new HashMap<>();
    final Map<String, Long> deadByReason = new TreeMap<>();
    final Map<String, String> deadByKey = new HashMap<>();
    int truncated;

    void score(String key, Score s) {
      scored.merge(key, 1, Integer::sum);
      assertThat(s.getProbability()).as("p of " + key).isBetween(0.0, 1.0);
      assertThat(Double.isFinite(s.getLogit())).as("finite logit of " + key).isTrue();
    }

    void example(String key, LabelledExample e) {
      examples.merge(key, 1, Integer::sum);
      labels.put(key, e.getLabel());
    }

    void deadLetter(byte[] key, org.apache.kafka.common.header.Headers headers) {
      String reason = DeadLetters.header(headers, DeadLetters.REASON);
      deadByReason.merge(reason, 1L, Long::sum);
      if (key != null) {
        deadByKey.put(new String(key, StandardCharsets.UTF_8), reason);
      }
      if (headers.lastHeader(DeadLetters.TRUNCATED) != null) {
        truncated++;
      }
    }

    void check(BadInputCorpus corpus, ScorerMetrics metrics, DeadLetters deadLetters) {
      List<BadInputCorpus.Case> all = corpus.all();
      Map<String, Long> expected = corpus.expected(corpus.phases.size());
      for (var c : all) {
        String id = c.key() != null ? c.key() : null;
        if (c.expect().equals(BadInputCorpus.SCORED_OPEN)) {
          assertThat(scored.get(id)).as("one score for " + c).isEqualTo(1);
          assertThat(examples).as("no example yet for " + c).doesNotContainKey(id);
        } else if (c.expect().equals(BadInputCorpus.SCORED)) {
          String sid = id != null ? id : c.name().equals("no key, id in the value") ? "h-nokey" : null;
          assertThat(scored.get(sid)).as("one score for " + c + "; dead letters " + deadByKey.get(sid) + " " + deadByReason).isEqualTo(1);
          assertThat(examples.get(sid)).as("one example for " + c).isEqualTo(1);
          if (c.label() != null) {
            assertThat(labels.get(sid)).as("label of " + c).isEqualTo(c.label());
          }
        } else if (c.deadLetter() && c.input() == BadInputCorpus.Input.IMPRESSIONS && id != null
            && !scored.containsKey(id)) {
          assertThat(deadByKey.get(id)).as("dead letter of " + c).isEqualTo(c.reason());
        } else if (c.deadLetter() && id != null && c.input() == BadInputCorpus.Input.IMPRESSIONS) {
          assertThat(scored.get(id)).as("scored once only: " + c).isEqualTo(1);
        }
      }
      long open = expected.getOrDefault(BadInputCorpus.SCORED_OPEN, 0L);
      long expectScored = expected.getOrDefault(BadInputCorpus.SCORED, 0L) + open;
      assertThat(scored.values().stream().mapToInt(Integer::intValue).sum()).as("scores").isEqualTo(expectScored);
      assertThat(examples.values().stream().mapToInt(Integer::intValue).sum()).as("examples")
          .isEqualTo(expectScored - open);
      assertThat((long) metrics.scoredCount()).isEqualTo(expectScored);
      Map<String, Long> expectedDead = new TreeMap<>();
      expected.forEach((k, v) -> {
        if (k.startsWith(BadInputCorpus.DLQ)) {
          expectedDead.put(k.substring(BadInputCorpus.DLQ.length()), v);
        }
      });
      assertThat(deadByReason).as("dead letters by reason").isEqualTo(expectedDead);
      assertThat(deadLetters.counts()).as("dead-letter counters").isEqualTo(expectedDead);
      assertThat(truncated).as("dead letters cut to the size limit").isEqualTo(2);
      for (String o : List.of(ScorerMetrics.DUPLICATE_CLICK, ScorerMetrics.DUPLICATE_IMPRESSION,
          ScorerMetrics.CLICK_OUTSIDE_WINDOW)) {
        assertThat((long) metrics.outcomeCount(o)).as(o).isEqualTo(expected.getOrDefault(o, 0L));
      }
      long positives = labels.values().stream().filter(l -> l == 1).count();
      assertThat((long) metrics.outcomeCount(ScorerMetrics.POSITIVE)).isEqualTo(positives)
          .isEqualTo(expected.get(ScorerMetrics.POSITIVE));
      assertThat((long) metrics.outcomeCount(ScorerMetrics.NEGATIVE)).isEqualTo(expectScored - open - positives);
      assertThat((long) metrics.outcomeCount(ScorerMetrics.ORPHAN_CLICK)).isEqualTo(
          expectedDead.getOrDefault("OrphanClickException", 0L));
      assertThat((long) metrics.outcomeCount(ScorerMetrics.LATE_CLICK)).isEqualTo(
          expectedDead.getOrDefault("LateClickException", 0L));

      // the books balance: every input has exactly one outcome
      long impressionsIn = all.stream().filter(c -> c.input() == BadInputCorpus.Input.IMPRESSIONS).count();
      long clicksIn = all.size() - impressionsIn;
      long impressionDead = all.stream().filter(c -> c.input() == BadInputCorpus.Input.IMPRESSIONS && c.deadLetter())
          .count();
      long tombstones = expected.getOrDefault(BadInputCorpus.IGNORED, 0L);
      assertThat((long) metrics.scoredCount() + (long) metrics.outcomeCount(ScorerMetrics.DUPLICATE_IMPRESSION)
          + impressionDead + tombstones).as("impressions in = scored + duplicates + dead letters + tombstones")
          .isEqualTo(impressionsIn);
      assertThat(deadLetters.total() - impressionDead).as("click dead letters").isEqualTo(
          all.stream().filter(c -> c.input() == BadInputCorpus.Input.CLICKS && c.deadLetter()).count());
      assertThat((long) (metrics.outcomeCount(ScorerMetrics.POSITIVE) + metrics.outcomeCount(ScorerMetrics.DUPLICATE_CLICK)
          + metrics.outcomeCount(ScorerMetrics.CLICK_OUTSIDE_WINDOW)) + deadLetters.total() - impressionDead)
          .as("clicks in = positives + duplicates + outside the window + dead letters").isEqualTo(clicksIn);
    }
  }
}

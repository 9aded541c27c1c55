package io.wnd.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import io.wnd.broker.LocalKafka;
import io.wnd.broker.junit.KafkaExtension;
import io.wnd.schemas.topics.Topics;
import io.wnd.schemas.wire.WireFormat;
import io.wnd.state.model.WideDeepModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.ThreadMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad-input corpus ({@link BadInputCorpus}) sent to the real scorer (exactly-once, in process) on the real
 * broker, mixed with good impressions and clicks: every case gets its defined outcome, every good impression
 * is scored and labelled exactly once, the stream threads are all still running, and the counters add up to
 * what was sent.
 */
@ExtendWith(KafkaExtension.class)
class BadInputIT {
  @Test
  void shouldSurviveTheWholeCorpusOnTheRealBrokerAndAccountForEveryRecord(LocalKafka kafka, @TempDir Path dir)
      throws Exception {
    WideDeepModel m = Fixtures.model(1, 50);
    Topics topics = Fixtures.topicsWithVersion1(kafka, "b", m);
    Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
    long t0 = (System.currentTimeMillis() - 7_200_000L) / 1000 * 1000;
    BadInputCorpus corpus = new BadInputCorpus(t0);

    Map<String, Object> pc = new HashMap<>(client);
    pc.put("max.request.size", 2 << 20);
    pc.put("enable.idempotence", true);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(pc, new StringSerializer(),
        new ByteArraySerializer())) {
      // a producer whose schema has double I1..: published on the schemas topic, resolved by fingerprint
      producer.send(new ProducerRecord<>(topics.name(Topics.SCHEMAS),
          WireFormat.hex(WireFormat.fingerprint(BadInputCorpus.DOUBLE_I1_WRITER)),
          BadInputCorpus.DOUBLE_I1_WRITER.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8))).get();

      Map<String, Object> cfg = new HashMap<>();
      cfg.put(ScorerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      cfg.put(ScorerConfig.TOPIC_PREFIX_CONFIG, topics.prefix());
      cfg.put(ScorerConfig.APPLICATION_ID_CONFIG, "bad-input-it-" + UUID.randomUUID());
      cfg.put(ScorerConfig.MODEL_NAME_CONFIG, Fixtures.MODEL);
      cfg.put(ScorerConfig.MODEL_DIR_CONFIG, dir.resolve("model").toString());
      cfg.put(ScorerConfig.ATTRIBUTION_WINDOW_MS_CONFIG, Long.toString(BadInputCorpus.WINDOW));
      cfg.put(ScorerConfig.ATTRIBUTION_GRACE_MS_CONFIG, Long.toString(BadInputCorpus.GRACE));
      cfg.put(ScorerConfig.JOIN_PUNCTUATE_MS_CONFIG, "100");
      cfg.put(ScorerConfig.HTTP_PORT_CONFIG, "-1");
      cfg.put("scorer.streams.state.dir", dir.resolve("streams").toString());
      cfg.put("scorer.streams.commit.interval.ms", "100");
      try (ScorerApp app = ScorerApp.start(new ScorerConfig(cfg))) {
        // garbage on the models topic while the scorer follows it: nothing is put in service, v1 stays
        // (sent before a cold start, the catch-up ends serving v1 too: state VersionsIT)
        await("v1 in service", () -> app.model().version() == 1, app);
        String models = topics.name(Topics.MODELS);
        producer.send(new ProducerRecord<>(models, "ctr/s/wide/0/0000000000000001", new byte[] {1, 2, 3})).get();
        producer.send(new ProducerRecord<>(models, "ctr/x/garbage", new byte[] {(byte) 0xC3, 1})).get();
        producer.send(new ProducerRecord<>(models, "ctr/m/0000000000000000002", BadInputCorpus.random(9, 100))).get();
        ScorerMetrics metrics = app.metrics();
        LongSupplier progress = () -> (long) (metrics.scoredCount()
            + metrics.outcomeCount(ScorerMetrics.DUPLICATE_IMPRESSION) + metrics.outcomeCount(ScorerMetrics.POSITIVE)
            + metrics.outcomeCount(ScorerMetrics.DUPLICATE_CLICK)
            + metrics.outcomeCount(ScorerMetrics.CLICK_OUTSIDE_WINDOW)) + app.deadLetters().total();
        long cases = 0;
        for (int phase = 0; phase < corpus.phases.size(); phase++) {
          for (var c : corpus.phases.get(phase)) {
            String topic = topics.name(c.input() == BadInputCorpus.Input.IMPRESSIONS ? Topics.IMPRESSIONS : Topics.CLICKS);
            producer.send(new ProducerRecord<>(topic, c.key(), c.value())).get();
            if (!c.expect().equals(BadInputCorpus.IGNORED)) {
              cases++;
            }
          }
          long want = cases;
          await("phase " + (phase + 1) + " processed", () -> progress.getAsLong() >= want, app);
          if (phase == 1) {
            long negatives = corpus.phases.get(0).stream()
                .filter(c -> c.expect().equals(BadInputCorpus.SCORED) && Integer.valueOf(0).equals(c.label())).count() + 1;
            await("the negative of 'late'", () -> metrics.outcomeCount(ScorerMetrics.NEGATIVE) >= negatives, app);
          }
        }
        assertThat(progress.getAsLong()).as("nothing counted twice").isEqualTo(cases);

        BadInputTest.Outcomes out = new BadInputTest.Outcomes();
        var serdes = Topics.serdes(null);
        long scored = (long) metrics.scoredCount();
        long examples = (long) (metrics.outcomeCount(ScorerMetrics.POSITIVE) + metrics.outcomeCount(ScorerMetrics.NEGATIVE));
        for (var r : read(kafka, topics.name(Topics.SCORES), scored)) {
          out.score(new String(r.key(), java.nio.charset.StandardCharsets.UTF_8), serdes.scores().deserialize("", r.value()));
        }
        for (var r : read(kafka, topics.name(Topics.EXAMPLES), examples)) {
          out.example(new String(r.key(), java.nio.charset.StandardCharsets.UTF_8),
              serdes.examples().deserialize("", r.value()));
        }
        for (var r : read(kafka, topics.name(Topics.DEAD_LETTER), app.deadLetters().total())) {
          out.deadLetter(r.key(), r.headers());
        }
        out.check(corpus, metrics, app.deadLetters());
        assertThat(app.model().version()).as("the version in service").isEqualTo(1);
        assertThat(app.model().failure()).as("the model reader").isNull();
        assertThat(app.streams().state()).isEqualTo(KafkaStreams.State.RUNNING);
        assertThat(app.streams().metadataForLocalThreads()).isNotEmpty()
            .allSatisfy(t -> assertThat(t.threadState()).as(t.threadName()).isEqualTo("RUNNING"))
            .extracting(ThreadMetadata::threadName).doesNotHaveDuplicates();
      }
    }
  }

  private interface Condition {
    boolean met();
  }

  private static void await(String what, Condition c, ScorerApp app) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 120_000;
    while (!c.met()) {
      assertThat(app.streams().state()).as("streams while waiting for " + what).isIn(KafkaStreams.State.RUNNING,
          KafkaStreams.State.REBALANCING);
      assertThat(System.currentTimeMillis()).as("waiting for " + what + ": " + app.deadLetters().counts())
          .isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  /** Committed records from the beginning until n arrived, then a second more to catch extras. */
  private static List<ConsumerRecord<byte[], byte[]>> read(LocalKafka kafka, String topic, long n) {
    Map<String, Object> cfg = Map.of("bootstrap.servers", kafka.bootstrapServers(), "isolation.level", "read_committed");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cfg, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> parts = c.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition()))
          .toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      long deadline = System.currentTimeMillis() + 90_000;
      long extra = Long.MAX_VALUE;
      while (System.currentTimeMillis() < Math.min(deadline, extra)) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
        if (out.size() >= n && extra == Long.MAX_VALUE) {
          extra = System.currentTimeMillis() + 1_000;
        }
      }
    }
    return out;
  }
}

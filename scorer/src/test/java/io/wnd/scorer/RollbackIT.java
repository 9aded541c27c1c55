package io.wnd.scorer;

import static io.wnd.scorer.ScoresTopic.await;
import static io.wnd.scorer.ScoresTopic.readScores;
import static io.wnd.scorer.ScoresTopic.scoresConsumer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.wnd.avro.Score;
import io.wnd.broker.LocalKafka;
import io.wnd.broker.junit.KafkaExtension;
import io.wnd.schemas.topics.TopicAdmin;
import io.wnd.schemas.topics.Topics;
import io.wnd.state.encode.Encoder;
import io.wnd.state.model.ForwardPass;
import io.wnd.state.model.WideDeepModel;
import io.wnd.state.table.SparseTable;
import io.wnd.state.version.ModelVersion;
import io.wnd.state.version.Rollback;
import io.wnd.state.version.TableSink;
import io.wnd.state.version.VersionPublisher;
import io.wnd.state.version.VersionReader;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code wnd versions rollback} against a running scorer on the real broker. */
@ExtendWith(KafkaExtension.class)
class RollbackIT {
  private static final long T0 = KafkaExtension.recentEventTime();

  @Test
  void shouldServeTheRolledBackVersionAsANewVersionWithinSecondsAndRebuildItCold(LocalKafka kafka, @TempDir Path dir)
      throws Exception {
    Topics topics = new Topics("r" + UUID.randomUUID().toString().substring(0, 8) + ".", 1);
    Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
    try (Admin admin = Admin.create(client)) {
      new TopicAdmin(admin, topics, (short) 1).create();
    }
    // v1 covers feature seeds 0..29; v2 and v3 add rows v1 never had (they must become tombstones)
    WideDeepModel m1 = Fixtures.model(1, 30);
    WideDeepModel m2 = Fixtures.model(2, 40);
    WideDeepModel m3 = Fixtures.model(3, 50);
    try (VersionPublisher pub = new VersionPublisher(client, topics, Rollback.trainerTransactionalId(Fixtures.MODEL))) {
      pub.publish(Fixtures.version(1, m1), Fixtures.deltas(m1), Map.of(), null);
      pub.publish(Fixtures.version(2, m2), Fixtures.deltas(m2), Map.of(), null);
      pub.publish(Fixtures.version(3, m3), Fixtures.deltas(m3), Map.of(), null);
    }
    Map<String, Object> cfg = new HashMap<>();
    cfg.put(ScorerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    cfg.put(ScorerConfig.TOPIC_PREFIX_CONFIG, topics.prefix());
    cfg.put(ScorerConfig.APPLICATION_ID_CONFIG, "rollback-it-" + UUID.randomUUID());
    cfg.put(ScorerConfig.MODEL_NAME_CONFIG, Fixtures.MODEL);
    cfg.put(ScorerConfig.MODEL_DIR_CONFIG, dir.resolve("model").toString());
    cfg.put(ScorerConfig.HTTP_PORT_CONFIG, "-1");
    cfg.put("scorer.streams.state.dir", dir.resolve("streams").toString());
    cfg.put("scorer.streams.commit.interval.ms", "100");
    Topics.Serdes serdes = Topics.serdes(null);
    String imps = topics.name(Topics.IMPRESSIONS);
    Encoder enc = new Encoder(Fixtures.SPEC);
    try (ScorerApp app = ScorerApp.start(new ScorerConfig(cfg));
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(client, new StringSerializer(),
            new ByteArraySerializer());
        KafkaConsumer<String, byte[]> scores = scoresConsumer(kafka, topics)) {
      await(() -> app.model().version() == 3, "v3 in service");
      for (int i = 0; i < 20; i++) {
        producer.send(new ProducerRecord<>(imps, null, T0 + i, "a-" + i, serdes.impressions().serialize(imps,
            Fixtures.impression("a-" + i, T0 + i, i)))).get();
      }
      Map<String, Score> before = readScores(scores, "a-", 20, app);
      ForwardPass p3 = new ForwardPass(m3);
      before.forEach((id, s) -> assertThat(s.getVersion()).isEqualTo(3));
      assertThat(before.get("a-5").getProbability()).isCloseTo(p3.probability(enc.encode(Fixtures.features(5),
          enc.newEncoded())), within(1e-9));

      long t0 = System.nanoTime();
      Rollback.Result r = Rollback.rollback(client, topics, Fixtures.MODEL, 1, null, Clock.systemUTC(),
          Duration.ofSeconds(60));
      assertThat(r.version()).isEqualTo(4);
      assertThat(r.parent()).isEqualTo(3);
      assertThat(r.rowsDeleted()).as("rows of seeds 30..49 that v1 never had").isPositive();
      await(() -> app.model().version() == 4, "v4 in service within seconds");
      System.out.printf("rollback published and applied by the scorer in %d ms%n", (System.nanoTime() - t0) / 1_000_000);

      for (int i = 0; i < 50; i++) {
        producer.send(new ProducerRecord<>(imps, null, T0 + 100 + i, "b-" + i, serdes.impressions().serialize(imps,
            Fixtures.impression("b-" + i, T0 + 100 + i, i)))).get();
      }
      Map<String, Score> after = readScores(scores, "b-", 50, app);
      ForwardPass p1 = new ForwardPass(m1);
      for (int i = 0; i < 50; i++) {
        Score s = after.get("b-" + i);
        assertThat(s.getVersion()).isEqualTo(4);
        assertThat(s.getProbability()).as("b-" + i).isCloseTo(p1.probability(enc.encode(Fixtures.features(i),
            enc.newEncoded())), within(1e-9));
      }
    }

    // a cold reader rebuilds v4 equal to v1, and the manifest names where it came from
    TableSink cold = new TableSink();
    try (VersionReader reader = new VersionReader(client, topics, Fixtures.MODEL, cold)) {
      assertThat(reader.catchUp(Duration.ofSeconds(60))).isEqualTo(4);
    }
    assertThat(cold.version().parent()).isEqualTo(3);
    assertThat(cold.version().metrics()).containsEntry(Rollback.ROLLED_BACK_FROM, 1.0);
    assertThat(cold.version().dense()).containsExactly(m1.tower().toFlat());
    WideDeepModel rebuilt = cold.model();
    assertSameRows(rebuilt.wide(), m1.wide());
    assertSameRows(rebuilt.embeddings(), m1.embeddings());
  }

  @Test
  void shouldRefuseAnUnknownVersionAndAVersionTheTopicNoLongerHoldsCompletelyUnlessGivenItsModelFile(LocalKafka kafka,
      @TempDir Path dir) throws Exception {
    Topics topics = new Topics("r" + UUID.randomUUID().toString().substring(0, 8) + ".", 1);
    Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
    try (Admin admin = Admin.create(client)) {
      new TopicAdmin(admin, topics, (short) 1).create();
    }
    WideDeepModel m1 = Fixtures.model(1, 10);
    WideDeepModel m2 = Fixtures.model(2, 10);
    try (VersionPublisher pub = new VersionPublisher(client, topics, "pub-" + UUID.randomUUID())) {
      pub.publish(Fixtures.version(1, m1), Fixtures.deltas(m1), Map.of(), null);
      pub.publish(Fixtures.version(2, m2), Fixtures.deltas(m2), Map.of(), null);
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Rollback.rollback(client, topics, Fixtures.MODEL, 7, null,
        Clock.systemUTC(), Duration.ofSeconds(30))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("model ctr has no version 7 (versions: [1, 2])");

    // what compaction leaves of v1 once v2 overwrote its rows: the manifest without its rows
    Topics thinned = new Topics("t" + UUID.randomUUID().toString().substring(0, 8) + ".", 1);
    try (Admin admin = Admin.create(client)) {
      new TopicAdmin(admin, thinned, (short) 1).create();
    }
    copy(kafka, topics.name(Topics.MODELS), thinned.name(Topics.MODELS), 1);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Rollback.rollback(client, thinned, Fixtures.MODEL, 1, null,
        Clock.systemUTC(), Duration.ofSeconds(30))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("can no longer be rebuilt").hasMessageContaining("--model-file");

    // a file of another model labelled ctr v1 (e.g. wnd fit's) is not v1's state
    Path other = dir.resolve("other-v1.wndmodel");
    ModelVersion v1 = Fixtures.version(1, m1);
    io.wnd.state.file.ModelFile.write(other, new ModelVersion(v1.model(), 1, 0, v1.createdAtMillis() + 5, v1.examplesSeen(),
        v1.consumed(), v1.metrics(), v1.specJson(), v1.dense(), 0), m1.wide(), m1.embeddings());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Rollback.rollback(client, thinned, Fixtures.MODEL, 1, other,
        Clock.systemUTC(), Duration.ofSeconds(30))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not the v1 on").hasMessageContaining("wnd export");

    // with a snapshot of v1 (as wnd export writes it) the rollback works on the thinned topic
    Path file = dir.resolve("v1.wndmodel");
    io.wnd.state.file.ModelFile.write(file, Fixtures.version(1, m1), m1.wide(), m1.embeddings());
    Rollback.Result r = Rollback.rollback(client, thinned, Fixtures.MODEL, 1, file, Clock.systemUTC(),
        Duration.ofSeconds(30));
    assertThat(r.version()).isEqualTo(3);
    assertThat(r.source()).isEqualTo(file.toString());
    TableSink cold = new TableSink();
    try (VersionReader reader = new VersionReader(client, thinned, Fixtures.MODEL, cold)) {
      assertThat(reader.catchUp(Duration.ofSeconds(60))).isEqualTo(3);
    }
    assertThat(cold.version().dense()).containsExactly(m1.tower().toFlat());
    assertSameRows(cold.model().wide(), m1.wide());
    assertSameRows(cold.model().embeddings(), m1.embeddings());
  }

  /** Copies a models topic, leaving out the sparse rows of {@code version} (as compaction does once overwritten). */
  private static void copy(LocalKafka kafka, String from, String to, long version) throws Exception {
    Map<String, Object> cfg = Map.of("bootstrap.servers", kafka.bootstrapServers(), "isolation.level", "read_committed");
    var serde = Topics.serdes(null).models();
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(cfg, new StringDeserializer(), new ByteArrayDeserializer());
        KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers",
            kafka.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
      TopicPartition tp = new TopicPartition(from, 0);
      c.assign(java.util.List.of(tp));
      c.seekToBeginning(java.util.List.of(tp));
      long end = c.endOffsets(java.util.List.of(tp)).get(tp);
      while (c.position(tp) < end) {
        for (var r : c.poll(Duration.ofMillis(200))) {
          boolean row = r.value() != null && serde.deserialize("", r.value()).getPart() instanceof io.wnd.avro.SparseBlock b
              && b.getVersion() == version;
          if (!row) {
            p.send(new ProducerRecord<>(to, r.key(), r.value())).get();
          }
        }
      }
    }
  }

  private static void assertSameRows(SparseTable actual, SparseTable expected) {
    assertThat(actual.size()).isEqualTo(expected.size());
    expected.forEach((field, id, values, offset) -> {
      float[] row = actual.get(field, id);
      assertThat(row).as("row %d/%x", field, id).isNotNull();
      for (int d = 0; d < row.length; d++) {
        assertThat(row[d]).isEqualTo(values[offset + d]);
      }
    });
  }
}

package io.wnd.scorer;

import static io.wnd.scorer.ScoresTopic.await;
import static io.wnd.scorer.ScoresTopic.readScores;
import static io.wnd.scorer.ScoresTopic.scoresConsumer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wnd.broker.LocalKafka;
import io.wnd.broker.junit.KafkaExtension;
import io.wnd.schemas.topics.TopicAdmin;
import io.wnd.schemas.topics.Topics;
import io.wnd.state.model.WideDeepModel;
import io.wnd.state.version.Manifests;
import io.wnd.state.version.ModelControls;
import io.wnd.state.version.ModelVersion;
import io.wnd.state.version.Rollback;
import io.wnd.state.version.VersionInfo;
import io.wnd.state.version.VersionPublisher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code wnd versions pin|unpin} and the quality gate against running scorers on the real broker. */
@ExtendWith(KafkaExtension.class)
class PinIT {
  private static final long T0 = KafkaExtension.recentEventTime();

  @Test
  void shouldKeepServingThePinnedVersionAndApplyTheHeldOnesOnUnpin(LocalKafka kafka, @TempDir Path dir)
      throws Exception {
    Topics topics = topics(kafka);
    Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
    try (VersionPublisher pub = new VersionPublisher(client, topics, "trainer-" + UUID.randomUUID());
        ScorerApp app = ScorerApp.start(new ScorerConfig(config(kafka, topics, dir.resolve("a"), null)));
        KafkaProducer<String, byte[]> producer = producer(kafka);
        KafkaConsumer<String, byte[]> scores = scoresConsumer(kafka, topics)) {
      WideDeepModel m1 = Fixtures.model(1, 20);
      WideDeepModel m2 = Fixtures.model(2, 20);
      pub.publish(Fixtures.version(1, m1), Fixtures.deltas(m1), Map.of(), null);
      pub.publish(Fixtures.version(2, m2), Fixtures.deltas(m2), Map.of(), null);
      await(() -> app.model().version() == 2, "v2 in service");

      assertThatThrownBy(() -> ModelControls.pin(client, topics, Fixtures.MODEL, 9L, "it", null))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("model ctr has no version 9 (versions: [1, 2])");
      assertThatThrownBy(() -> ModelControls.pin(client, topics, Fixtures.MODEL, 1L, "it", null))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("wnd versions rollback 1");
      ModelControls.pin(client, topics, Fixtures.MODEL, null, "it", "incident 42");
      await(() -> Long.valueOf(2).equals(app.model().pinned()), "the scorer sees the pin");
      assertThat(Manifests.read(client, topics, Fixtures.MODEL).control().pinnedVersion()).isEqualTo(2);

      WideDeepModel m3 = Fixtures.model(3, 25);
      WideDeepModel m4 = Fixtures.model(4, 30);
      pub.publish(Fixtures.version(3, m3), Fixtures.deltas(m3), Map.of(), null);
      pub.publish(Fixtures.version(4, m4), Fixtures.deltas(m4), Map.of(), null);
      // a cold scorer started while pinned serves the pinned version too, from its first impression on: it reads the
      // models topic before it starts its streams
      try (ScorerApp cold = ScorerApp.start(new ScorerConfig(config(kafka, topics, dir.resolve("b"), null)))) {
        assertThat(cold.model().version()).isEqualTo(2);
      }
      // wnd score --pin: one scorer stays on what it served first and says so
      Map<String, Object> local = config(kafka, topics, dir.resolve("c"), null);
      local.put(ScorerConfig.PIN_CONFIG, true);
      try (ScorerApp pinnedHere = ScorerApp.start(new ScorerConfig(local))) {
        await(() -> pinnedHere.model().pinnedHere(), "--pin stops following the topic");
        assertThat(pinnedHere.model().version()).isEqualTo(2);
      }
      // scorers hold v3..v4 back as one chain: a pin can move to v4, not to v3
      assertThatThrownBy(() -> ModelControls.pin(client, topics, Fixtures.MODEL, 3L, "it", null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("v3 lies between the pinned v2 and the latest v4");
      assertThatThrownBy(() -> ModelControls.unpin(client, topics, "no-such-model", "it", null))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model no-such-model has no versions");
      send(producer, topics, "p-", 20);
      readScores(scores, "p-", 20, app).values().forEach(s -> assertThat(s.getVersion()).isEqualTo(2));
      assertThat(app.model().version()).isEqualTo(2);

      // a rollback while pinned follows the latest version (v4, held back), not the pinned one: it is v5, the next
      // number, and the scorers hold it back with the others
      Rollback.Result back = Rollback.rollback(client, topics, Fixtures.MODEL, 1, null, java.time.Clock.systemUTC(),
          Duration.ofSeconds(60));
      assertThat(back.version()).isEqualTo(5);
      assertThat(back.parent()).isEqualTo(4);
      assertThat(Manifests.list(client, topics, Fixtures.MODEL).stream().map(VersionInfo::version).toList())
          .containsExactly(1L, 2L, 3L, 4L, 5L);

      long t0 = System.nanoTime();
      ModelControls.unpin(client, topics, Fixtures.MODEL, "it", null);
      await(() -> app.model().version() == 5, "v5 in service within seconds of unpin");
      System.out.printf("unpin applied by the scorer in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
      send(producer, topics, "u-", 20);
      readScores(scores, "u-", 20, app).values().forEach(s -> assertThat(s.getVersion()).isEqualTo(5));
      assertThat(app.model().failure()).isNull();
    }
  }

  @Test
  void shouldHoldBackAVersionThatFailsTheQualityGateAndServeTheNextThatPasses(LocalKafka kafka, @TempDir Path dir)
      throws Exception {
    Topics topics = topics(kafka);
    Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
    try (VersionPublisher pub = new VersionPublisher(client, topics, "trainer-" + UUID.randomUUID());
        ScorerApp app = ScorerApp.start(new ScorerConfig(config(kafka, topics, dir, 0.01)))) {
      publish(pub, 1, 0.50);
      await(() -> app.model().version() == 1, "v1 in service");
      publish(pub, 2, 0.505); // +0.005: passes
      await(() -> app.model().version() == 2, "v2 in service");
      publish(pub, 3, 0.60); // +0.095: held
      publish(pub, 4, 0.595); // -0.005 against its parent v3: passes, v3 folded in
      await(() -> app.model().version() == 4, "v4 in service");
      assertThat(app.model().gateHeld()).isEqualTo(1);
      publish(pub, 5, 0.70); // held
      Thread.sleep(1_500);
      assertThat(app.model().version()).as("v5 fails the gate and is not served").isEqualTo(4);
      assertThat(app.model().gateHeld()).isEqualTo(2);
    }
  }

  private static void publish(VersionPublisher pub, long v, double logloss) {
    WideDeepModel m = Fixtures.model((int) v, 20);
    ModelVersion base = Fixtures.version(v, m);
    ModelVersion withLoss = new ModelVersion(base.model(), v, v - 1, base.createdAtMillis(), base.examplesSeen(),
        base.consumed(), Map.of("auc", 0.7, "logloss", logloss), base.specJson(), base.dense(), 0);
    pub.publish(withLoss, Fixtures.deltas(m), Map.of(), null);
  }

  private static Topics topics(LocalKafka kafka) throws Exception {
    Topics topics = new Topics("p" + UUID.randomUUID().toString().substring(0, 8) + ".", 1);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      new TopicAdmin(admin, topics, (short) 1).create();
    }
    return topics;
  }

  private static Map<String, Object> config(LocalKafka kafka, Topics topics, Path dir, Double margin) {
    Map<String, Object> cfg = new HashMap<>();
    cfg.put(ScorerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    cfg.put(ScorerConfig.TOPIC_PREFIX_CONFIG, topics.prefix());
    cfg.put(ScorerConfig.APPLICATION_ID_CONFIG, "pin-it-" + UUID.randomUUID());
    cfg.put(ScorerConfig.MODEL_NAME_CONFIG, Fixtures.MODEL);
    cfg.put(ScorerConfig.MODEL_DIR_CONFIG, dir.resolve("model").toString());
    cfg.put(ScorerConfig.HTTP_PORT_CONFIG, "-1");
    cfg.put("scorer.streams.state.dir", dir.resolve("streams").toString());
    cfg.put("scorer.streams.commit.interval.ms", "100");
    if (margin != null) {
      cfg.put(ScorerConfig.QUALITY_GATE_CONFIG, margin);
    }
    return cfg;
  }

  private static KafkaProducer<String, byte[]> producer(LocalKafka kafka) {
    return new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()), new StringSerializer(),
        new ByteArraySerializer());
  }

  private static void send(KafkaProducer<String, byte[]> producer, Topics topics, String prefix, int n)
      throws Exception {
    String imps = topics.name(Topics.IMPRESSIONS);
    for (int i = 0; i < n; i++) {
      producer.send(new ProducerRecord<>(imps, null, T0 + i, prefix + i, Topics.serdes(null).impressions()
          .serialize(imps, Fixtures.impression(prefix + i, T0 + i, i)))).get();
    }
  }
}

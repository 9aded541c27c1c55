package io.wnd.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.wnd.avro.CriteoFeatures;
import io.wnd.avro.LabelledExample;
import io.wnd.broker.LocalKafka;
import io.wnd.broker.junit.KafkaExtension;
import io.wnd.schemas.topics.TopicAdmin;
import io.wnd.schemas.topics.Topics;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.version.Manifests;
import io.wnd.state.version.Rollback;
import io.wnd.state.version.VersionInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A running trainer fenced by {@code wnd versions rollback} restores the rollback version and continues from it. */
@ExtendWith(KafkaExtension.class)
class TrainerRollbackIT {
  private static final String MODEL = "ctr";

  @Test
  void shouldRestoreTheRollbackVersionWhenFencedAndContinueWithContiguousOffsets(LocalKafka kafka) throws Exception {
    Topics topics = new Topics("tr" + UUID.randomUUID().toString().substring(0, 8) + ".", 1);
    Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
    try (Admin admin = Admin.create(client)) {
      new TopicAdmin(admin, topics, (short) 1).create();
    }
    FeatureSpec spec = FeatureSpec.builtin("criteo");
    StreamingTrainer trainer = new StreamingTrainer(client, topics,
        new StreamingTrainer.Settings(spec, MODEL, 200, Duration.ofSeconds(1)), Clock.systemUTC());
    List<StreamingTrainer.Published> published = new CopyOnWriteArrayList<>();
    ExecutorService exec = Executors.newSingleThreadExecutor();
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(client, new StringSerializer(),
        new ByteArraySerializer())) {
      Future<Long> run = exec.submit(() -> trainer.run(published::add));
      send(producer, topics, 0, 300);
      await(() -> lastConsumed(client, topics) == 300, "300 examples in a version");
      send(producer, topics, 300, 300);
      await(() -> lastConsumed(client, topics) == 600 && !published.isEmpty(), "600 examples in versions");
      long head = Manifests.list(client, topics, MODEL).size();
      assertThat(head).isGreaterThanOrEqualTo(2);

      Rollback.Result r = Rollback.rollback(client, topics, MODEL, 1, null, Clock.systemUTC(), Duration.ofSeconds(60));
      assertThat(r.parent()).isEqualTo(head);
      send(producer, topics, 600, 200);
      await(() -> lastConsumed(client, topics) == 800, "the trainer continues after the rollback");
      trainer.stop();
      run.get(60, TimeUnit.SECONDS);
    } finally {
      exec.shutdownNow();
    }
    List<VersionInfo> versions = Manifests.list(client, topics, MODEL);
    VersionInfo rolled = versions.stream().filter(v -> v.metrics().containsKey(Rollback.ROLLED_BACK_FROM))
        .findFirst().orElseThrow();
    VersionInfo before = versions.get((int) rolled.version() - 2);
    assertThat(rolled.consumed()).isEqualTo(before.consumed());
    assertThat(rolled.examplesSeen()).isEqualTo(before.examplesSeen());
    for (int i = 0; i < versions.size(); i++) {
      VersionInfo v = versions.get(i);
      assertThat(v.version()).isEqualTo(i + 1);
      assertThat(v.parent()).as("parent of v%d", v.version()).isEqualTo(i);
      if (i > 0) {
        VersionInfo p = versions.get(i - 1);
        assertThat(v.examplesSeen() - p.examplesSeen()).as("v%d trained exactly the examples after its parent's",
            v.version()).isEqualTo(v.consumed().get(0) - p.consumed().get(0));
      }
    }
    assertThat(versions.get(versions.size() - 1).version()).isGreaterThan(rolled.version());
    assertThat(versions.get(versions.size() - 1).examplesSeen()).isEqualTo(800);
  }

  private static long lastConsumed(Map<String, Object> client, Topics topics) {
    List<VersionInfo> v = Manifests.list(client, topics, MODEL);
    return v.isEmpty() ? 0 : v.get(v.size() - 1).consumed().getOrDefault(0, 0L);
  }

  private static void send(KafkaProducer<String, byte[]> producer, Topics topics, int from, int n) throws Exception {
    String topic = topics.name(Topics.EXAMPLES);
    for (int i = from; i < from + n; i++) {
      SplittableRandom r = new SplittableRandom(i);
      CriteoFeatures f = new CriteoFeatures();
      for (int j = 0; j < 13; j++) {
        f.put(j, r.nextInt(10) == 0 ? null : (long) r.nextInt(200));
      }
      for (int j = 0; j < 26; j++) {
        f.put(13 + j, r.nextInt(20) == 0 ? null : String.format("%08x", r.nextInt(6)));
      }
      LabelledExample e = LabelledExample.newBuilder().setImpressionId("i-" + i).setLabel(r.nextInt(4) == 0 ? 1 : 0)
          .setImpressionTime(Instant.ofEpochMilli(1_700_000_000_000L + i)).setFeatures(f).build();
      producer.send(new ProducerRecord<>(topic, "i-" + i, Topics.serdes(null).examples().serialize(topic, e)));
    }
    producer.flush();
  }

  private static void await(java.util.function.BooleanSupplier done, String what) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 90_000;
    while (!done.getAsBoolean() && System.currentTimeMillis() < deadline) {
      Thread.sleep(500);
    }
    assertThat(done.getAsBoolean()).as(what).isTrue();
  }
}

package io.wnd.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.wnd.avro.CriteoFeatures;
import io.wnd.avro.LabelledExample;
import io.wnd.broker.LocalKafka;
import io.wnd.broker.junit.KafkaExtension;
import io.wnd.schemas.topics.TopicAdmin;
import io.wnd.schemas.topics.Topics;
import io.wnd.state.spec.FeatureSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A running {@link StreamingTrainer} on a real broker, scraped through {@link TrainerHttp}. */
@ExtendWith(KafkaExtension.class)
class TrainerHttpIT {

  private static final int EXAMPLES = 3_000;

  @Test
  void shouldServeTheTrainersMetricsAndHealthWhileItRuns(LocalKafka kafka) throws Exception {
    Topics topics = new Topics("t" + UUID.randomUUID().toString().substring(0, 8) + ".", 2);
    Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
    try (Admin admin = Admin.create(client)) {
      new TopicAdmin(admin, topics, (short) 1).create();
    }
    produceExamples(client, topics);

    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    TrainerMetrics metrics = new TrainerMetrics(registry);
    FeatureSpec spec = FeatureSpec.builtin("criteo");
    StreamingTrainer trainer = new StreamingTrainer(client, topics,
        new StreamingTrainer.Settings(spec, "m", 1_000, Duration.ofSeconds(1)), Clock.systemUTC(), metrics);
    List<StreamingTrainer.Published> published = new CopyOnWriteArrayList<>();
    HttpClient http = HttpClient.newHttpClient();
    try (TrainerHttp server = new TrainerHttp("127.0.0.1", 0, registry, metrics, trainer::running)) {
      String base = "http://127.0.0.1:" + server.port();
      Thread t = new Thread(() -> trainer.run(published::add), "trainer");
      t.start();
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (trainer.examplesTrained() < EXAMPLES || published.isEmpty()
          || published.get(published.size() - 1).examplesSeen() < EXAMPLES) {
        assertThat(System.nanoTime()).as("all examples trained and published in time").isLessThan(deadline);
        Thread.sleep(100);
      }
      HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).contains("\"status\":\"UP\"");

      HttpResponse<String> scrape = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      trainer.stop();
      t.join(30_000);
      assertThat(scrape.statusCode()).isEqualTo(200);
      assertThat(scrape.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
      String text = scrape.body();
      StreamingTrainer.Published last = published.get(published.size() - 1);
      assertThat(value(text, "wnd_trainer_examples_total")).isEqualTo(EXAMPLES);
      assertThat(value(text, "wnd_trainer_versions_published_total")).isEqualTo(published.size());
      assertThat(value(text, "wnd_trainer_model_version")).isEqualTo(last.version());
      assertThat(value(text, "wnd_trainer_progressive_auc")).isCloseTo(last.metrics().auc(), within(1e-9));
      assertThat(value(text, "wnd_trainer_progressive_logloss")).isCloseTo(last.metrics().logLoss(), within(1e-9));
      assertThat(value(text, "wnd_trainer_progressive_calibration"))
          .isCloseTo(last.metrics().calibration(), within(1e-9));
      long bytes = published.stream().mapToLong(p -> p.published().bytes()).sum();
      assertThat(value(text, "wnd_trainer_publish_bytes_count")).isEqualTo(published.size());
      assertThat(value(text, "wnd_trainer_publish_bytes_sum")).isEqualTo(bytes);
      assertThat(value(text, "wnd_trainer_publish_seconds_count")).isEqualTo(published.size());
      assertThat(text).contains("wnd_trainer_publish_seconds_bucket{le=");
      // the synthetic label depends on C1: the trainer must have learnt something
      assertThat(last.metrics().auc()).isGreaterThan(0.6);

      assertThat(trainer.running()).isFalse();
      HttpResponse<String> down = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(down.statusCode()).isEqualTo(503);
      assertThat(down.body()).contains("\"status\":\"DOWN\"");
    }
  }

  private static double value(String scrape, String name) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*\\})? (\\S+)$").matcher(scrape);
    assertThat(m.find()).as("%s in the scrape:%n%s", name, scrape).isTrue();
    return Double.parseDouble(m.group(1));
  }

  /** Examples whose click probability depends on C1 (0.5 for "a", 0.1 for "b"). */
  private static void produceExamples(Map<String, Object> client, Topics topics) {
    SplittableRandom random = new SplittableRandom(7);
    try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(client, new StringSerializer(),
        new ByteArraySerializer())) {
      String topic = topics.name(Topics.EXAMPLES);
      Instant t0 = Instant.parse("2024-01-01T00:00:00Z");
      for (int i = 0; i < EXAMPLES; i++) {
        boolean a = random.nextBoolean();
        CriteoFeatures f = new CriteoFeatures();
        f.put(f.getSchema().getField("C1").pos(), a ? "a" : "b");
        f.put(f.getSchema().getField("C2").pos(), Integer.toHexString(random.nextInt(50)));
        f.put(f.getSchema().getField("I1").pos(), (long) random.nextInt(10));
        int label = random.nextDouble() < (a ? 0.5 : 0.1) ? 1 : 0;
        LabelledExample ex = LabelledExample.newBuilder().setImpressionId("i" + i).setLabel(label)
            .setImpressionTime(t0.plusMillis(i)).setClickTime(null).setServedProbability(null).setServedModel(null)
            .setServedVersion(null).setFeatures(f).build();
        p.send(new ProducerRecord<>(topic, "i" + i, Topics.serdes(null).examples().serialize(topic, ex)));
      }
      p.flush();
    }
  }
}

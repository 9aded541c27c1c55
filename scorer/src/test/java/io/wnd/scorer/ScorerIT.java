package io.wnd.scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wnd.avro.CriteoFeatures;
import io.wnd.avro.LabelledExample;
import io.wnd.avro.Score;
import io.wnd.broker.LocalKafka;
import io.wnd.broker.junit.KafkaExtension;
import io.wnd.schemas.deadletter.DeadLetters;
import io.wnd.schemas.topics.Topics;
import io.wnd.state.encode.Encoder;
import io.wnd.state.model.ForwardPass;
import io.wnd.state.model.WideDeepModel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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

@ExtendWith(KafkaExtension.class)
class ScorerIT {
  private static final long T0 = KafkaExtension.recentEventTime();
  private static final int N = 300;
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void shouldScoreEveryImpressionOnceAndLabelItOnceOnTheRealBroker(LocalKafka kafka, @TempDir Path dir)
      throws Exception {
    WideDeepModel m = Fixtures.model(1, 50);
    Topics topics = Fixtures.topicsWithVersion1(kafka, "s", m);
    Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());

    Map<String, Object> cfg = new HashMap<>();
    cfg.put(ScorerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    cfg.put(ScorerConfig.TOPIC_PREFIX_CONFIG, topics.prefix());
    cfg.put(ScorerConfig.APPLICATION_ID_CONFIG, "scorer-it-" + UUID.randomUUID());
    cfg.put(ScorerConfig.MODEL_NAME_CONFIG, Fixtures.MODEL);
    cfg.put(ScorerConfig.MODEL_DIR_CONFIG, dir.resolve("model").toString());
    cfg.put(ScorerConfig.ATTRIBUTION_WINDOW_MS_CONFIG, "10000");
    cfg.put(ScorerConfig.ATTRIBUTION_GRACE_MS_CONFIG, "1000");
    cfg.put(ScorerConfig.JOIN_PUNCTUATE_MS_CONFIG, "100");
    cfg.put(ScorerConfig.HTTP_PORT_CONFIG, "0");
    cfg.put(ScorerConfig.HTTP_TOKEN_CONFIG, "s3cret");
    cfg.put("scorer.streams.state.dir", dir.resolve("streams").toString());
    cfg.put("scorer.streams.commit.interval.ms", "100");

    Map<String, Integer> expected = new LinkedHashMap<>();
    try (ScorerApp app = ScorerApp.start(new ScorerConfig(cfg));
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(client, new StringSerializer(),
            new ByteArraySerializer())) {
      Topics.Serdes serdes = Topics.serdes(null);
      String imps = topics.name(Topics.IMPRESSIONS);
      String clicks = topics.name(Topics.CLICKS);
      for (int i = 0; i < N; i++) {
        String id = "imp-" + i;
        long t = T0 + i * 100L;
        boolean clicked = i % 3 == 0;
        boolean clickFirst = i % 30 == 0; // a few clicks are produced before their impression
        if (clicked && clickFirst) {
          producer.send(new ProducerRecord<>(clicks, null, t + 500, id, serdes.clicks().serialize(clicks,
              Fixtures.click(id, t + 500))));
        }
        producer.send(new ProducerRecord<>(imps, null, t, id, serdes.impressions().serialize(imps,
            Fixtures.impression(id, t, i % 50))));
        if (clicked && !clickFirst) {
          producer.send(new ProducerRecord<>(clicks, null, t + 500, id, serdes.clicks().serialize(clicks,
              Fixtures.click(id, t + 500))));
        }
        expected.put(id, clicked ? 1 : 0);
      }
      producer.send(new ProducerRecord<>(clicks, null, T0, "ghost", serdes.clicks().serialize(clicks,
          Fixtures.click("ghost", T0))));
      // moves stream time far past every window
      long end = T0 + 1_000_000L;
      producer.send(new ProducerRecord<>(imps, null, end, "end", serdes.impressions().serialize(imps,
          Fixtures.impression("end", end, 0))));
      producer.flush();

      List<ConsumerRecord<String, byte[]>> scoreRecords = read(kafka, topics.name(Topics.SCORES), N + 1);
      List<ConsumerRecord<String, byte[]>> exampleRecords = read(kafka, topics.name(Topics.EXAMPLES), N);
      List<ConsumerRecord<String, byte[]>> dead = read(kafka, topics.name(Topics.DEAD_LETTER), 1);

      Encoder enc = new Encoder(Fixtures.SPEC);
      ForwardPass pass = new ForwardPass(m);
      Map<String, Score> scores = new HashMap<>();
      for (var r : scoreRecords) {
        assertThat(scores.put(r.key(), serdes.scores().deserialize("", r.value()))).as("one score for " + r.key()).isNull();
      }
      assertThat(scores).hasSize(N + 1);
      for (int i = 0; i < N; i++) {
        Score s = scores.get("imp-" + i);
        assertThat(s.getVersion()).isEqualTo(1);
        assertThat(s.getProbability()).isCloseTo(pass.probability(enc.encode(Fixtures.features(i % 50),
            enc.newEncoded())), within(1e-9));
      }
      Map<String, Integer> labels = new LinkedHashMap<>();
      for (var r : exampleRecords) {
        LabelledExample e = serdes.examples().deserialize("", r.value());
        assertThat(labels.put(r.key(), e.getLabel())).as("one example for " + r.key()).isNull();
        assertThat(e.getServedProbability()).isEqualTo(scores.get(r.key()).getProbability());
        assertThat(e.getServedVersion()).isEqualTo(1L);
      }
      assertThat(labels).isEqualTo(expected);
      assertThat(dead).hasSize(1);
      assertThat(dead.get(0).key()).isEqualTo("ghost");
      assertThat(DeadLetters.header(dead.get(0).headers(), DeadLetters.REASON)).isEqualTo("OrphanClickException");

      // HTTP: the same model answers JSON instances
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + app.httpPort();
      assertThat(get(http, base + "/health", null).statusCode()).isEqualTo(200);
      assertThat(get(http, base + "/v1/models/ctr", null).statusCode()).isEqualTo(401);
      JsonNode status = JSON.readTree(get(http, base + "/v1/models/ctr", "s3cret").body());
      assertThat(status.get("version").asLong()).isEqualTo(1);
      assertThat(status.get("metrics").get("auc").asDouble()).isEqualTo(0.51);

      CriteoFeatures f = Fixtures.features(7);
      Map<String, Object> instance = new LinkedHashMap<>();
      for (Schema.Field field : f.getSchema().getFields()) {
        instance.put(field.name(), f.get(field.pos()));
      }
      String body = JSON.writeValueAsString(Map.of("instances", List.of(instance)));
      HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/models/ctr:predict"))
          .header("Authorization", "Bearer s3cret").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
      JsonNode p = JSON.readTree(resp.body()).get("predictions").get(0);
      double expectedP = pass.probability(enc.encode(f, enc.newEncoded()));
      assertThat(p.get("logistic").get(0).asDouble()).isCloseTo(expectedP, within(1e-9));
      assertThat(p.get("probabilities").get(1).asDouble()).isCloseTo(expectedP, within(1e-9));
      assertThat(p.get("probabilities").get(0).asDouble()).isCloseTo(1 - expectedP, within(1e-9));

      String metrics = get(http, base + "/metrics", "s3cret").body();
      assertThat(metrics).contains("wnd_scorer_scored_total").contains("wnd_scorer_model_version")
          .contains("wnd_scorer_model_cache_misses_total").contains("wnd_scorer_model_cache_hits_total")
          .contains("wnd_scorer_model_cache_size").contains("wnd_scorer_model_filter_absent_total")
          .contains("wnd_scorer_dead_letters_total{reason=\"OrphanClickException\"}")
          .contains("wnd_scorer_join_outcomes_total{outcome=\"positive\"} 100.0");
    }
    // a scorer stopped cleanly leaves its group: another instance takes its partitions at once, not after the
    // session timeout (45 s)
    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(client)) {
      String group = (String) cfg.get(ScorerConfig.APPLICATION_ID_CONFIG);
      assertThat(admin.describeConsumerGroups(List.of(group)).all().get().get(group).members()).isEmpty();
    }
  }

  private static HttpResponse<String> get(HttpClient http, String url, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /** Reads committed records from the beginning until n arrived (then a little longer, to catch extras). */
  private static List<ConsumerRecord<String, byte[]>> read(LocalKafka kafka, String topic, int n) {
    Map<String, Object> cfg = Map.of("bootstrap.servers", kafka.bootstrapServers(), "isolation.level", "read_committed");
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(cfg, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = c.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      long deadline = System.currentTimeMillis() + 90_000;
      long extra = Long.MAX_VALUE;
      while (System.currentTimeMillis() < Math.min(deadline, extra)) {
        for (var r : c.poll(Duration.ofMillis(200))) {
          out.add(r);
        }
        if (out.size() >= n && extra == Long.MAX_VALUE) {
          extra = System.currentTimeMillis() + 1_000;
        }
      }
    }
    return out;
  }
}

package io.wnd.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.wnd.schemas.topics.Topics;
import io.wnd.scorer.internals.ScorerHttp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScorerHttpTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  private ModelProvider provider;
  private ScorerHttp http;
  private ScorerMetrics metrics;
  private final HttpClient client = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    provider = new ModelProvider(Fixtures.store(dir), Fixtures.SPEC);
    metrics = new ScorerMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
        Fixtures.deadLetters(Topics.defaults()), provider);
    http = new ScorerHttp("127.0.0.1", 0, null, Fixtures.MODEL, provider, metrics, Double.NaN,
        () -> new ScorerHttp.Health(true, Map.of()));
  }

  @AfterEach
  void stop() throws Exception {
    http.close();
    provider.close();
  }

  @Test
  void shouldAnswer503BeforeAnyVersionUnderTheHoldPolicy() throws Exception {
    HttpResponse<String> r = predict("{\"instances\": [{\"I1\": 1}]}");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).contains("no version of model ctr");
  }

  @Test
  void shouldAnswer400NamingTheFieldForMalformedInput() throws Exception {
    Fixtures.commit(provider.store(), 1, Fixtures.model(1, 5));
    assertBad("{\"instances\": [", "malformed JSON");
    assertBad("{\"instances\": [{\"I1\": 1}]} trailing", "malformed JSON");
    assertBad("[1, 2]", "{\\\"instances\\\"");
    assertBad("{\"instances\": 3}", "field 'instances' must be an array");
    assertBad("{\"instances\": [{\"I1\": \"seven\"}]}", "instances[0]: field 'I1' must be an integer or null, got string");
    assertBad("{\"instances\": [{}, {\"C1\": 12}]}", "instances[1]: field 'C1' must be a string or null, got number");
    assertBad("{\"instances\": [{\"I99\": 1}]}", "instances[0]: unknown field 'I99'");
  }

  @Test
  void shouldScoreInstancesWithMissingFieldsAsNulls() throws Exception {
    Fixtures.commit(provider.store(), 3, Fixtures.model(1, 5));
    HttpResponse<String> r = predict("{\"instances\": [{\"I1\": 5, \"C1\": \"00000001\"}, {}]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode root = JSON.readTree(r.body());
    assertThat(root.get("version").asLong()).isEqualTo(3);
    assertThat(root.get("predictions")).hasSize(2);
    JsonNode p = root.get("predictions").get(0);
    double logistic = p.get("logistic").get(0).asDouble();
    assertThat(logistic).isEqualTo(1 / (1 + Math.exp(-p.get("logits").get(0).asDouble())), org.assertj.core.data.Offset.offset(1e-12));
    assertThat(p.get("classes").get(0).asText()).isEqualTo(logistic >= 0.5 ? "1" : "0");
    // instances, not impressions: counted apart from wnd.scorer.scored
    assertThat(metrics.predictedCount()).isEqualTo(2);
    assertThat(metrics.scoredCount()).isZero();
  }

  @Test
  void shouldRefuseMoreInstancesThanTheLimitWith413() throws Exception {
    Fixtures.commit(provider.store(), 1, Fixtures.model(1, 5));
    String many = "{\"instances\": [" + "{},".repeat(10_000) + "{}]}";

    HttpResponse<String> r = predict(many);

    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(r.body()).contains("at most 10000 instances per request, got 10001");
    assertThat(predict("{\"instances\": [" + "{},".repeat(9_999) + "{}]}").statusCode()).isEqualTo(200);
  }

  @Test
  void shouldAnswer405ForAWrongMethodAnd500WithAMessageWhenAHandlerFails() throws Exception {
    try (ScorerHttp failing = new ScorerHttp("127.0.0.1", 0, "s3cret", Fixtures.MODEL, provider, metrics, Double.NaN,
        () -> {
          throw new IllegalStateException("health check broke");
        })) {
      String root = "http://127.0.0.1:" + failing.port();
      HttpResponse<String> health = send(HttpRequest.newBuilder(URI.create(root + "/health")).GET());
      HttpResponse<String> get = send(HttpRequest.newBuilder(URI.create(root + "/v1/models/ctr:predict")).GET()
          .header("Authorization", "bearer s3cret"));
      HttpResponse<String> post = send(HttpRequest.newBuilder(URI.create(root + "/metrics"))
          .POST(HttpRequest.BodyPublishers.ofString("")).header("Authorization", "BEARER s3cret"));
      HttpResponse<String> wrongToken = send(HttpRequest.newBuilder(URI.create(root + "/metrics")).GET()
          .header("Authorization", "bearer s3cre"));

      assertThat(health.statusCode()).isEqualTo(500);
      assertThat(health.body()).contains("health check broke");
      assertThat(get.statusCode()).as(get.body()).isEqualTo(405);
      assertThat(get.headers().firstValue("Allow")).hasValue("POST");
      assertThat(post.statusCode()).as(post.body()).isEqualTo(405);
      assertThat(post.headers().firstValue("Allow")).hasValue("GET");
      assertThat(wrongToken.statusCode()).isEqualTo(401);
    }
  }

  @Test
  void shouldAnswerHealthToGetAndHeadOnly() throws Exception {
    try (ScorerHttp http = new ScorerHttp("127.0.0.1", 0, null, Fixtures.MODEL, provider, metrics, Double.NaN,
        () -> new ScorerHttp.Health(false, Map.of("stream_state", "REBALANCING")))) {
      URI health = URI.create("http://127.0.0.1:" + http.port() + "/health");
      HttpResponse<String> get = send(HttpRequest.newBuilder(health).GET());
      HttpResponse<String> head = send(HttpRequest.newBuilder(health).method("HEAD",
          HttpRequest.BodyPublishers.noBody()));
      HttpResponse<String> post = send(HttpRequest.newBuilder(health).POST(HttpRequest.BodyPublishers.ofString("")));

      assertThat(get.statusCode()).isEqualTo(503);
      assertThat(get.body()).contains("\"status\":\"DOWN\"").contains("REBALANCING");
      assertThat(head.statusCode()).isEqualTo(503);
      assertThat(head.body()).isEmpty();
      assertThat(post.statusCode()).as(post.body()).isEqualTo(405);
      assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }
  }

  @Test
  void shouldNameTheAddressAndTheSettingWhenItCannotListen() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ScorerHttp("127.0.0.1", port, null, Fixtures.MODEL,
              provider, metrics, Double.NaN, () -> new ScorerHttp.Health(true, Map.of())))
          .isInstanceOf(java.io.IOException.class)
          .hasMessageContaining("cannot listen for HTTP on 127.0.0.1:" + port).hasMessageContaining("--http-port");
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ScorerHttp("nosuch.invalid", 0, null, Fixtures.MODEL,
            provider, metrics, Double.NaN, () -> new ScorerHttp.Health(true, Map.of())))
        .isInstanceOf(java.io.IOException.class).hasMessageContaining("nosuch.invalid").hasMessageContaining("--http-bind");
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private void assertBad(String body, String message) throws Exception {
    HttpResponse<String> r = predict(body);
    assertThat(r.statusCode()).as(body).isEqualTo(400);
    assertThat(r.body()).as(body).contains(message);
  }

  private HttpResponse<String> predict(String body) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + "/v1/models/ctr:predict"))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }
}

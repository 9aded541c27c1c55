package io.wnd.scorer.internals;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.wnd.avro.CensusFeatures;
import io.wnd.avro.CriteoFeatures;
import io.wnd.scorer.ModelProvider;
import io.wnd.scorer.ScorerMetrics;
import io.wnd.state.model.ForwardPass;
import io.wnd.state.spec.CategoricalColumn;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.spec.NumericColumn;
import io.wnd.state.store.ModelView;
import io.wnd.state.version.ModelVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scorer's HTTP endpoint on the JDK's {@code com.sun.net.httpserver}:
 *
 * <ul>
 *   <li>{@code POST /v1/models/<name>:predict} with {@code {"instances": [{field: value, ...}, ...]}} (the
 *       feature record's field names, Criteo or census) → {@code {"predictions": [{"classes", "logistic",
 *       "logits", "probabilities", "class_ids"}], "model", "version"}}, the seed's output columns;</li>
 *   <li>{@code GET /v1/models/<name>} → the version in service and its metrics;</li>
 *   <li>{@code GET /metrics} → Prometheus text;</li>
 *   <li>{@code GET /health} → 200 when healthy, 503 otherwise (never needs the token).</li>
 * </ul>
 *
 * Malformed JSON or a field of the wrong type gets 400 with a message naming the field; with a token
 * configured, a request without {@code Authorization: Bearer <token>} gets 401.
 */
public final class ScorerHttp implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ScorerHttp.class);
  private static final int MAX_BODY = 16 << 20;
  /** Instances per request: a body under {@link #MAX_BODY} can list millions of empty ones, each a record to build. */
  static final int MAX_INSTANCES = 10_000;
  // a body is one JSON value: anything after it is malformed, not silently dropped
  private static final ObjectMapper JSON = com.fasterxml.jackson.databind.json.JsonMapper.builder()
      .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  private final HttpServer server;
  private final ExecutorService executor;
  private final String model;
  private final FeatureSpec spec;
  private final ModelProvider provider;
  private final ScorerMetrics metrics;
  private final PrometheusMeterRegistry prometheus;
  private final byte[] token;
  private final double priorRate;
  private final Supplier<Health> health;
  private final Schema schema;
  private final ConcurrentLinkedQueue<ViewScorer> scorers = new ConcurrentLinkedQueue<>();

  /**
   * The health of the app.
   *
   * @param healthy whether it serves
   * @param details what to report
   */
  public record Health(boolean healthy, Map<String, Object> details) {}

  /**
   * Binds and starts the server.
   *
   * @param bind address to bind
   * @param port port (0: any free one)
   * @param token bearer token, or null for none
   * @param model the model's name
   * @param provider the served model
   * @param metrics the metrics (their registry must be a {@link PrometheusMeterRegistry} for /metrics)
   * @param priorRate the prior served before any version, or NaN (then predict answers 503)
   * @param health the app's health
   * @throws IOException if it cannot bind
   */
  public ScorerHttp(String bind, int port, String token, String model, ModelProvider provider, ScorerMetrics metrics,
      double priorRate, Supplier<Health> health) throws IOException {
    this.model = model;
    this.spec = provider.spec();
    this.provider = provider;
    this.metrics = metrics;
    this.prometheus = metrics.registry() instanceof PrometheusMeterRegistry p ? p : null;
    this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    this.priorRate = priorRate;
    this.health = health;
    this.schema = featureSchema(spec);
    InetSocketAddress address = new InetSocketAddress(bind, port);
    if (address.isUnresolved()) {
      throw new IOException("cannot listen for HTTP on " + bind + ": no such host or address (scorer.http.bind, "
          + "wnd score --http-bind)");
    }
    try {
      this.server = HttpServer.create(address, 64);
    } catch (java.net.BindException e) {
      throw new IOException("cannot listen for HTTP on " + bind + ":" + port + ": " + e.getMessage() + " (pick another "
          + "port: scorer.http.port, wnd score --http-port; -1 for no HTTP)", e);
    }
    this.executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "wnd-scorer-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
    LOG.info("HTTP on http://{}:{}/ (model {}{})", bind, port(), model, token == null ? "" : ", bearer token required");
  }

  /** @return the port bound */
  public int port() {
    return server.getAddress().getPort();
  }

  /** The Avro record of the feature spec's fields: the first compiled-in feature record holding them all. */
  static Schema featureSchema(FeatureSpec spec) {
    List<String> fields = new ArrayList<>();
    spec.numeric().stream().map(NumericColumn::field).forEach(fields::add);
    spec.categorical().stream().map(CategoricalColumn::field).forEach(fields::add);
    for (Schema s : List.of(CriteoFeatures.getClassSchema(), CensusFeatures.getClassSchema())) {
      if (fields.stream().allMatch(f -> s.getField(f) != null)) {
        return s;
      }
    }
    throw new IllegalArgumentException("the spec '" + spec.name() + "' reads fields " + fields
        + " that no feature record (CriteoFeatures, CensusFeatures) holds");
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      try {
        route(ex);
      } catch (RuntimeException e) {
        // inside the exchange's try: closing it first would leave the client an empty reply
        LOG.warn("HTTP {} {} failed: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString(), e);
        try {
          error(ex, 500, e.toString());
        } catch (IOException ignored) {
          // the client is gone
        }
      }
    }
  }

  private void route(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    String method = ex.getRequestMethod();
    if (path.equals("/health")) {
      if (!method.equals("GET") && !method.equals("HEAD")) {
        notAllowed(ex, "GET, HEAD");
        return;
      }
      Health h = health.get();
      Map<String, Object> body = new TreeMap<>(h.details());
      body.put("status", h.healthy() ? "UP" : "DOWN");
      send(ex, h.healthy() ? 200 : 503, JSON.writeValueAsBytes(body), "application/json");
      return;
    }
    if (token != null && !authorized(ex)) {
      ex.getResponseHeaders().add("WWW-Authenticate", "Bearer");
      error(ex, 401, "missing or wrong bearer token");
      return;
    }
    String base = "/v1/models/" + model;
    if (path.equals("/metrics") && method.equals("GET")) {
      if (prometheus == null) {
        error(ex, 404, "no Prometheus registry");
        return;
      }
      metrics.refreshDeadLetters();
      send(ex, 200, prometheus.scrape().getBytes(StandardCharsets.UTF_8), "text/plain; version=0.0.4; charset=utf-8");
    } else if (path.equals(base) && method.equals("GET")) {
      send(ex, 200, JSON.writeValueAsBytes(status()), "application/json");
    } else if (path.equals(base + ":predict") && method.equals("POST")) {
      predict(ex);
    } else if (path.equals("/metrics") || path.equals(base)) {
      notAllowed(ex, "GET");
    } else if (path.equals(base + ":predict")) {
      notAllowed(ex, "POST");
    } else if (path.startsWith("/v1/models/")) {
      error(ex, 404, "no such model or method: " + path + " (this scorer serves " + base + " and " + base + ":predict)");
    } else {
      error(ex, 404, "not found: " + method + " " + path);
    }
  }

  private static void notAllowed(HttpExchange ex, String allowed) throws IOException {
    ex.getResponseHeaders().add("Allow", allowed);
    error(ex, 405, ex.getRequestMethod() + " is not allowed on " + ex.getRequestURI().getPath() + " (use " + allowed
        + ")");
  }

  private boolean authorized(HttpExchange ex) {
    String h = ex.getRequestHeaders().getFirst("Authorization");
    if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false; // the scheme's name is case-insensitive (RFC 9110 §11.1)
    }
    return MessageDigest.isEqual(token, h.substring(7).getBytes(StandardCharsets.UTF_8));
  }

  private Map<String, Object> status() {
    Map<String, Object> m = new TreeMap<>();
    m.put("model", model);
    try (ModelView v = provider.acquire()) {
      if (v == null) {
        m.put("version", 0);
        m.put("state", Double.isNaN(priorRate) ? "NO_VERSION" : "PRIOR");
        return m;
      }
      ModelVersion mv = v.version();
      m.put("version", mv.version());
      m.put("state", "AVAILABLE");
      m.put("parent", mv.parent());
      m.put("created_at_ms", mv.createdAtMillis());
      m.put("examples_seen", mv.examplesSeen());
      m.put("metrics", new TreeMap<>(mv.metrics()));
      m.put("age_seconds", (System.currentTimeMillis() - mv.createdAtMillis()) / 1000.0);
    }
    return m;
  }

  private void predict(HttpExchange ex) throws IOException {
    byte[] body;
    try (InputStream in = ex.getRequestBody()) {
      body = in.readNBytes(MAX_BODY + 1);
    }
    if (body.length > MAX_BODY) {
      error(ex, 413, "request body over " + MAX_BODY + " bytes");
      return;
    }
    List<GenericData.Record> records;
    try {
      records = instances(schema, JSON.readTree(body));
    } catch (JsonProcessingException e) {
      error(ex, 400, "malformed JSON: " + e.getOriginalMessage());
      return;
    } catch (TooMany e) {
      error(ex, 413, e.getMessage());
      return;
    } catch (BadRequest e) {
      error(ex, 400, e.getMessage());
      return;
    }
    ViewScorer scorer = scorers.poll();
    if (scorer == null) {
      scorer = new ViewScorer(spec, provider);
    }
    try {
      ModelView view = scorer.refresh();
      if (view == null && Double.isNaN(priorRate)) {
        error(ex, 503, "no version of model " + model + " yet");
        return;
      }
      ObjectNode out = JSON.createObjectNode();
      ArrayNode predictions = out.putArray("predictions");
      long start = System.nanoTime();
      for (int i = 0; i < records.size(); i++) {
        double logit;
        try {
          logit = view == null ? Math.log(priorRate / (1 - priorRate)) : scorer.logit(records.get(i));
        } catch (IllegalArgumentException e) {
          error(ex, 400, "instances[" + i + "]: " + e.getMessage());
          return;
        }
        double p = ForwardPass.sigmoid(logit);
        ObjectNode o = predictions.addObject();
        int cls = p >= 0.5 ? 1 : 0;
        o.putArray("classes").add(Integer.toString(cls));
        o.putArray("class_ids").add(cls);
        o.putArray("logistic").add(p);
        o.putArray("logits").add(logit);
        o.putArray("probabilities").add(1 - p).add(p);
      }
      metrics.predicted(records.size(), System.nanoTime() - start);
      out.put("model", model);
      out.put("version", view == null ? 0 : view.version().version());
      send(ex, 200, JSON.writeValueAsBytes(out), "application/json");
    } finally {
      scorers.offer(scorer);
    }
  }

  /** The feature records of a {@code :predict} body; package-private for the fuzz test. */
  static List<GenericData.Record> instances(Schema schema, JsonNode root) {
    if (root == null || !root.isObject()) {
      throw new BadRequest("the body must be a JSON object {\"instances\": [...]}");
    }
    JsonNode instances = root.get("instances");
    if (instances == null || !instances.isArray()) {
      throw new BadRequest("field 'instances' must be an array of objects");
    }
    if (instances.size() > MAX_INSTANCES) {
      throw new TooMany("at most " + MAX_INSTANCES + " instances per request, got " + instances.size()
          + ": split them into several requests");
    }
    List<GenericData.Record> out = new ArrayList<>();
    for (int i = 0; i < instances.size(); i++) {
      JsonNode inst = instances.get(i);
      if (!inst.isObject()) {
        throw new BadRequest("instances[" + i + "] must be an object of feature fields");
      }
      GenericData.Record r = new GenericData.Record(schema);
      for (Iterator<Map.Entry<String, JsonNode>> it = inst.properties().iterator(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        Schema.Field f = schema.getField(e.getKey());
        if (f == null) {
          throw new BadRequest("instances[" + i + "]: unknown field '" + e.getKey() + "' (" + schema.getName()
              + " has " + schema.getFields().stream().map(Schema.Field::name).toList() + ")");
        }
        r.put(f.pos(), value(i, f, e.getValue()));
      }
      out.add(r);
    }
    return out;
  }

  private static Object value(int i, Schema.Field f, JsonNode v) {
    if (v.isNull()) {
      return null;
    }
    Schema.Type type = null;
    for (Schema s : f.schema().isUnion() ? f.schema().getTypes() : List.of(f.schema())) {
      if (s.getType() != Schema.Type.NULL) {
        type = s.getType();
      }
    }
    switch (type) {
      case LONG, INT:
        if (v.isIntegralNumber() && v.canConvertToLong()) {
          return type == Schema.Type.LONG ? (Object) v.longValue() : (Object) v.intValue();
        }
        throw new BadRequest("instances[" + i + "]: field '" + f.name() + "' must be an integer or null, got "
            + describe(v));
      case DOUBLE, FLOAT:
        if (v.isNumber()) {
          return type == Schema.Type.DOUBLE ? (Object) v.doubleValue() : (Object) v.floatValue();
        }
        throw new BadRequest("instances[" + i + "]: field '" + f.name() + "' must be a number or null, got "
            + describe(v));
      case STRING:
        if (v.isTextual()) {
          return v.textValue();
        }
        throw new BadRequest("instances[" + i + "]: field '" + f.name() + "' must be a string or null, got "
            + describe(v));
      default:
        throw new BadRequest("instances[" + i + "]: field '" + f.name() + "' has an unsupported type " + type);
    }
  }

  private static String describe(JsonNode v) {
    String s = v.toString();
    return v.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " " + (s.length() > 40 ? s.substring(0, 40) + "..." : s);
  }

  private static void error(HttpExchange ex, int status, String message) throws IOException {
    send(ex, status, JSON.writeValueAsBytes(Map.of("error", message)), "application/json");
  }

  private static void send(HttpExchange ex, int status, byte[] body, String type) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.sendResponseHeaders(status, -1); // the headers a GET would get, no body
      return;
    }
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  /** Stops the server and releases the views its scorers hold. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    for (ViewScorer s; (s = scorers.poll()) != null; ) {
      s.close();
    }
  }

  static class BadRequest extends RuntimeException {
    BadRequest(String message) {
      super(message, null, false, false);
    }
  }

  /** A request over the instance limit: 413. */
  static final class TooMany extends BadRequest {
    TooMany(String message) {
      super(message);
    }
  }
}

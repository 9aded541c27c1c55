package io.wnd.scorer;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.wnd.schemas.deadletter.DeadLetterHandler;
import io.wnd.schemas.deadletter.DeadLetters;
import io.wnd.schemas.topics.Topics;
import io.wnd.schemas.wire.TopicSchemaStore;
import io.wnd.scorer.internals.ScorerHttp;
import io.wnd.scorer.internals.ViewScorer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.Metric;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scorer app (the CLI's {@code wnd score}): the model provider's reader thread, the Kafka Streams
 * topology, and the HTTP endpoint, started together by {@link #start} and stopped by {@link #close}. Never
 * exits the JVM.
 */
public final class ScorerApp implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ScorerApp.class);

  private final ScorerConfig config;
  private final ModelProvider model;
  private final DeadLetters deadLetters;
  private final ScorerMetrics metrics;
  private final TopicSchemaStore schemaStore;
  private final KafkaStreams streams;
  private final ScorerHttp http;
  private final CountDownLatch closed = new CountDownLatch(1);
  private volatile Throwable streamsFailure;

  private ScorerApp(ScorerConfig config) throws IOException {
    this.config = config;
    Topics topics = config.topics();
    this.model = ModelProvider.open(config);
    this.deadLetters = new DeadLetters(topics.name(Topics.DEAD_LETTER));
    this.metrics = new ScorerMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), deadLetters, model);
    this.schemaStore = new TopicSchemaStore(config.clientConfig(), topics.name(Topics.SCHEMAS), Duration.ofSeconds(10));
    Map<String, Object> sc = new HashMap<>(config.streamsConfig());
    sc.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
    sc.put(DeadLetterHandler.DEAD_LETTERS_CONFIG, deadLetters);
    Properties props = new Properties();
    props.putAll(sc);
    this.streams = new KafkaStreams(ScorerTopology.create(config.topologySettings(), Topics.serdes(schemaStore), model,
        metrics, deadLetters), props);
    bindMemoryMetrics(metrics.registry(), model, streams);
    streams.setUncaughtExceptionHandler(e -> {
      streamsFailure = e;
      LOG.error("a stream thread of the scorer died; shutting the scorer's streams down: {}", e.toString(), e);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    int port = config.getInt(ScorerConfig.HTTP_PORT_CONFIG);
    ScorerHttp h = null;
    if (port >= 0) {
      h = new ScorerHttp(config.getString(ScorerConfig.HTTP_BIND_CONFIG), port, config.httpToken(), config.modelName(),
          model, metrics, config.topologySettings().priorRate(), this::health);
    }
    this.http = h;
  }

  // heap and RocksDB memory, for a soak to watch: the model store's memtables and table readers, and the sum of
  // the Kafka Streams stores' RocksDB memory (their property-based metrics, recorded at the INFO level)
  private static void bindMemoryMetrics(MeterRegistry registry, ModelProvider model, KafkaStreams streams) {
    new JvmMemoryMetrics().bindTo(registry);
    Gauge.builder("wnd.scorer.model.store.rocksdb.bytes", model, m -> m.store().rocksMemoryBytes())
        .description("RocksDB memory of the model store: memtables and table readers").register(registry);
    Gauge.builder("wnd.scorer.streams.rocksdb.bytes", streams, ScorerApp::streamsRocksBytes)
        .description("RocksDB memory of the Kafka Streams stores: memtables, table readers, block cache").register(registry);
  }

  private static double streamsRocksBytes(KafkaStreams streams) {
    // with the shared cache of BoundedRocksMemory every store reports the same cache, which also holds the
    // memtables (charged to it by the write buffer manager): count it once, and the memtables not again
    boolean shared = io.wnd.scorer.internals.BoundedRocksMemory.budget() > 0;
    double sum = 0;
    double cache = 0;
    for (Metric m : streams.metrics().values()) {
      String n = m.metricName().name();
      if (!m.metricName().group().equals("stream-state-metrics") || !(m.metricValue() instanceof Number v)) {
        continue;
      }
      if (n.equals("block-cache-usage")) {
        if (shared) {
          cache = Math.max(cache, v.doubleValue());
        } else {
          sum += v.doubleValue();
        }
      } else if (n.equals("estimate-table-readers-mem") || (n.equals("size-all-mem-tables") && !shared)) {
        sum += v.doubleValue();
      }
    }
    return sum + cache;
  }

  /**
   * Starts the scorer: the model reader (catch up, then follow), the streams, the HTTP endpoint.
   *
   * @param config the configuration
   * @return the running app; close it to stop
   * @throws IOException if the model store cannot be opened or HTTP cannot bind
   */
  public static ScorerApp start(ScorerConfig config) throws IOException {
    ScorerApp app = new ScorerApp(config);
    try {
      Double margin = config.getDouble(ScorerConfig.QUALITY_GATE_CONFIG);
      app.model.qualityGate(margin == null ? io.wnd.state.version.QualityGate.disabled()
          : new io.wnd.state.version.QualityGate(margin));
      Duration catchUp = Duration.ofMillis(config.getLong(ScorerConfig.MODEL_CATCHUP_TIMEOUT_MS_CONFIG));
      app.model.start(config.clientConfig(), config.topics(), config.modelName(), config.getBoolean(ScorerConfig.PIN_CONFIG),
          catchUp);
      // the versions already on the topic first: the no-model policy (hold, or the prior as version 0) is for a model
      // with no version yet, not for the seconds it takes to read them (a backlog would be scored with the prior)
      // (at most a minute: a topic that cannot be read now does not keep the scorer from starting; it goes on reading)
      Duration wait = catchUp.compareTo(Duration.ofMinutes(1)) < 0 ? catchUp : Duration.ofMinutes(1);
      if (!app.model.awaitCatchUpEnded(wait)) {
        LOG.warn("the models topic was not read to its end within {} s ({}): starting with v{} in service; the "
            + "reader goes on", wait.toSeconds(), app.model.failure() == null ? "still reading"
            : app.model.failure().getMessage(), app.model.version());
      }
      if (app.model.version() > 0) {
        // a version that does not fit the spec would kill the stream threads at the first impression: say so now
        try (ViewScorer check = new ViewScorer(config.spec(), app.model)) {
          check.refresh();
        } catch (IllegalStateException e) {
          throw new IllegalArgumentException(e.getMessage() + " (start the scorer with the spec the model was trained "
              + "with, --spec)", e);
        }
      }
      app.streams.start();
    } catch (RuntimeException e) {
      app.close();
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      app.close();
      throw new java.io.InterruptedIOException("interrupted while reading the models topic");
    }
    LOG.info("scorer {} started: model {}, spec {}, window {} ms, grace {} ms, policy {}", config.applicationId(),
        config.modelName(), config.spec().name(), config.getLong(ScorerConfig.ATTRIBUTION_WINDOW_MS_CONFIG),
        config.getLong(ScorerConfig.ATTRIBUTION_GRACE_MS_CONFIG), config.getString(ScorerConfig.NO_MODEL_POLICY_CONFIG));
    return app;
  }

  private ScorerHttp.Health health() {
    KafkaStreams.State s = streams.state();
    Map<String, Object> d = new TreeMap<>();
    d.put("streams", s.name());
    d.put("model", config.modelName());
    d.put("version", model.version());
    d.put("model_reader", model.failure() != null ? "failed: " + model.failure().getMessage()
        : model.pinnedHere() ? "pinned (--pin): applies no new version"
        : model.caughtUp() ? "following" : "catching up");
    boolean ok = (s == KafkaStreams.State.RUNNING || s == KafkaStreams.State.REBALANCING) && model.failure() == null
        && streamsFailure == null;
    return new ScorerHttp.Health(ok, d);
  }

  /** @return why a stream thread died (the streams are then shut down), or null */
  public Throwable streamsFailure() {
    return streamsFailure;
  }

  /** @return the Kafka Streams instance */
  public KafkaStreams streams() {
    return streams;
  }

  /** @return the served model */
  public ModelProvider model() {
    return model;
  }

  /** @return the metrics */
  public ScorerMetrics metrics() {
    return metrics;
  }

  /** @return the dead letters counted so far */
  public DeadLetters deadLetters() {
    return deadLetters;
  }

  /** @return the HTTP port bound, or -1 if HTTP is off */
  public int httpPort() {
    return http == null ? -1 : http.port();
  }

  /**
   * Blocks until {@link #close()} has run (e.g. from a shutdown hook).
   *
   * @throws InterruptedException if interrupted
   */
  public void awaitClosed() throws InterruptedException {
    closed.await();
  }

  /** Stops HTTP, the streams (committing their work), then the model reader, and frees the model store. */
  @Override
  public void close() {
    if (closed.getCount() == 0) {
      return;
    }
    if (http != null) {
      http.close();
    }
    // leave the group: the partitions go to the other instances now, not when the session times out (45 s), and an
    // instance restarted at once gets them without waiting either
    if (streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
        .withTimeout(Duration.ofSeconds(30)))) {
      try {
        model.close();
      } catch (IOException e) {
        LOG.warn("closing the model store: {}", e.getMessage());
      }
    } else {
      // a stream thread still running (e.g. blocked in a commit) may still read the model: closing its RocksDB
      // under it would crash the JVM, so the store is left to the process's exit
      LOG.warn("scorer {}: the stream threads did not stop within 30 s; the model store is left open",
          config.applicationId());
    }
    schemaStore.close();
    LOG.info("scorer {} stopped", config.applicationId());
    closed.countDown();
  }

  /**
   * Runs the scorer until the JVM is asked to stop: arguments are an optional properties file, then
   * {@code key=value} settings (see {@link ScorerConfig}). Returns when stopped; never calls System.exit.
   *
   * @param args {@code [file.properties] [key=value...]}
   * @throws Exception if the configuration is bad or the app cannot start
   */
  public static void main(String[] args) throws Exception {
    Map<String, Object> props = new HashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      if (eq > 0) {
        props.put(a.substring(0, eq), a.substring(eq + 1));
      } else {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(Path.of(a))) {
          p.load(in);
        }
        p.forEach((k, v) -> props.putIfAbsent(k.toString(), v));
      }
    }
    ScorerApp app = start(new ScorerConfig(props));
    Runtime.getRuntime().addShutdownHook(new Thread(app::close, "wnd-scorer-shutdown"));
    app.awaitClosed();
  }
}

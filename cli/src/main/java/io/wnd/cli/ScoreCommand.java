package io.wnd.cli;

import io.wnd.scorer.ScorerApp;
import io.wnd.scorer.ScorerConfig;
import io.wnd.scorer.ScorerMetrics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code wnd score}: the Kafka Streams scorer, until Ctrl-C. */
@Command(name = "score", mixinStandardHelpOptions = true, usageHelpWidth = 110,
    header = "Score every impression with the version in service, and join clicks into labelled examples.",
    description = {"Score every impression with the model version in service and join clicks into labelled examples",
        "(exactly-once). Instances with the same --application-id share the partitions; each holds the whole model.",
        "HTTP: POST /v1/models/<name>:predict, GET /v1/models/<name>, GET /metrics (Prometheus), GET /health.", ""})
final class ScoreCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  KafkaOptions kafka;

  @Option(names = "--spec", paramLabel = "NAME|FILE", defaultValue = "criteo", description = "Feature spec (default: ${DEFAULT-VALUE}).")
  String specName;

  @Option(names = "--model", paramLabel = "NAME", description = "Model name (default: the spec's name).")
  String model;

  @Option(names = "--application-id", paramLabel = "ID", defaultValue = "wnd-scorer",
      description = "Kafka Streams application id (default: ${DEFAULT-VALUE}).")
  String applicationId;

  @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "8080", description = "HTTP port; 0 = any free, -1 = off (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(names = "--http-bind", paramLabel = "ADDR", defaultValue = "127.0.0.1", description = "HTTP bind address (default: ${DEFAULT-VALUE}).")
  String httpBind;

  @Option(names = "--http-token", paramLabel = "TOKEN", description = "Require 'Authorization: Bearer TOKEN' (default: $WND_HTTP_TOKEN or none).",
      defaultValue = "${env:WND_HTTP_TOKEN}")
  String httpToken;

  @Option(names = "--pin", description = "Stay on the version in service at start; apply no later version.")
  boolean pin;

  @Option(names = "--quality-gate-margin", paramLabel = "M", description = "Hold back a version whose progressive "
      + "log loss exceeds its parent's by more than M nats (default: no gate).")
  Double qualityGateMargin;

  @Option(names = "--no-model", paramLabel = "POLICY", defaultValue = "hold",
      description = "Before any version: hold (score when one arrives; default) or prior (score --prior-rate as "
          + "version 0). A new model, with no version yet, needs prior: the trainer learns only from scored "
          + "impressions.")
  String noModel;

  @Option(names = "--prior-rate", paramLabel = "P", defaultValue = "0.25", description = "The prior's click rate (default: ${DEFAULT-VALUE}).")
  double priorRate;

  @Option(names = "--attribution-window", paramLabel = "T", defaultValue = "10m",
      description = "A click within this event time of its impression makes a positive (default: ${DEFAULT-VALUE}).")
  String window;

  @Option(names = "--grace", paramLabel = "T", defaultValue = "1m", description = "Lateness accepted (default: ${DEFAULT-VALUE}).")
  String grace;

  @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = ".wnd/scorer", description = "Local state (default: ${DEFAULT-VALUE}).")
  Path stateDir;

  @Option(names = "--threads", paramLabel = "N", description = "Stream threads in this instance (default: 1). Each takes "
      + "a share of the input partitions, with its own consumer and producer; the model is held once per instance. "
      + "Threads beyond the partitions of all instances stay idle.")
  Integer threads;

  @Option(names = {"-S", "--streams"}, paramLabel = "KEY=VALUE", description = "A Kafka Streams setting; repeatable.")
  Map<String, String> streams = new LinkedHashMap<>();

  @Option(names = "--json", description = "Print one JSON line when ready and one summary when stopped.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Map<String, Object> props = clusterProps(kafka);
    streams.forEach((k, v) -> props.put("scorer.streams." + k, v));
    if (threads != null) {
      if (threads < 1) {
        throw new ParameterException(spec.commandLine(), "--threads must be at least 1, got " + threads);
      }
      if (streams.containsKey("num.stream.threads")) {
        throw new ParameterException(spec.commandLine(), "give the number of stream threads once: --threads or "
            + "-S num.stream.threads, not both");
      }
      props.put("scorer.streams.num.stream.threads", threads);
    }
    props.put(ScorerConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(ScorerConfig.SPEC_CONFIG, specName);
    props.put(ScorerConfig.MODEL_NAME_CONFIG, model != null ? model : Specs.load(spec, specName).name());
    props.put(ScorerConfig.HTTP_PORT_CONFIG, httpPort);
    props.put(ScorerConfig.HTTP_BIND_CONFIG, httpBind);
    if (httpToken != null && !httpToken.isBlank()) {
      props.put(ScorerConfig.HTTP_TOKEN_CONFIG, httpToken);
    }
    props.put(ScorerConfig.PIN_CONFIG, pin);
    if (qualityGateMargin != null) {
      props.put(ScorerConfig.QUALITY_GATE_CONFIG, qualityGateMargin);
    }
    props.put(ScorerConfig.NO_MODEL_POLICY_CONFIG, noModel);
    props.put(ScorerConfig.PRIOR_BASE_RATE_CONFIG, priorRate);
    props.put(ScorerConfig.ATTRIBUTION_WINDOW_MS_CONFIG, millis("--attribution-window", window));
    props.put(ScorerConfig.ATTRIBUTION_GRACE_MS_CONFIG, millis("--grace", grace));
    props.put(ScorerConfig.MODEL_DIR_CONFIG, stateDir.resolve("model").toString());
    props.put("scorer.streams.state.dir", stateDir.resolve("streams").toString());
    ScorerConfig config;
    try {
      config = new ScorerConfig(props);
    } catch (ConfigException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    Cli.requireTopics(kafka);
    PrintWriter out = spec.commandLine().getOut();
    ScorerApp app = ScorerApp.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      long version = app.model().version();
      app.close();
      report(out, app, version);
      stopped.countDown();
    }, "wnd-score-stop"));
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("state", "running");
      m.put("http_port", app.httpPort());
      m.put("model", config.modelName());
      m.put("version", app.model().version());
      m.put("threads", Integer.parseInt(String.valueOf(config.streamsConfig().getOrDefault("num.stream.threads", 1))));
      Json.print(out, m);
    } else {
      out.printf("scorer running (model %s, %s); HTTP on %s:%d; Ctrl-C stops%n", config.modelName(),
          app.model().version() > 0 ? "version " + app.model().version() + " in service"
              : "hold".equals(noModel) ? "no version yet: impressions are held until one is published"
              : "no version yet: scoring the prior, " + priorRate + ", as version 0", httpBind, app.httpPort());
      out.flush();
    }
    if (app.model().version() == 0 && "hold".equals(noModel)) {
      // a trainer learns from the examples of scored impressions: with no version and nothing scored, nothing is
      // ever trained on
      spec.commandLine().getErr().printf("wnd score: no version of model %s on %s yet; impressions are held until one "
          + "is published. wnd train learns only from scored impressions: to start a new model from nothing, run the "
          + "scorer with --no-model prior.%n", config.modelName(), kafka.topics().name(
          io.wnd.schemas.topics.Topics.MODELS));
      spec.commandLine().getErr().flush();
    }
    while (!stopped.await(500, TimeUnit.MILLISECONDS)) {
      Throwable failure = app.streamsFailure();
      if (failure != null) {
        // the streams shut down: exit (the hook prints the summary) rather than run on scoring nothing
        Throwable root = failure;
        while (root.getCause() != null) {
          root = root.getCause();
        }
        throw new IllegalStateException("a stream thread died and the scorer stopped scoring: " + root.getMessage(),
            failure);
      }
    }
    return 0;
  }

  private void report(PrintWriter out, ScorerApp app, long version) {
    ScorerMetrics m = app.metrics();
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("state", "stopped");
    r.put("scored", (long) m.scoredCount());
    r.put("positives", (long) m.outcomeCount(ScorerMetrics.POSITIVE));
    r.put("negatives", (long) m.outcomeCount(ScorerMetrics.NEGATIVE));
    r.put("dead_letters", app.deadLetters().total());
    r.put("version", version);
    if (json) {
      Json.print(out, r);
    } else {
      out.printf(Locale.ROOT, "scorer stopped: %,d scored, %,d positives, %,d negatives, %,d dead letters, version %d%n",
          (long) m.scoredCount(), (long) m.outcomeCount(ScorerMetrics.POSITIVE), (long) m.outcomeCount(ScorerMetrics.NEGATIVE),
          app.deadLetters().total(), version);
      out.flush();
    }
  }

  private long millis(String option, String text) {
    return Cli.millis(spec, option, text);
  }

  /**
   * The scorer's settings that say where the cluster is: bootstrap servers, every other client setting under
   * {@code scorer.client.*} (so security settings reach every client), the topic prefix.
   *
   * @param kafka the cluster options
   * @return scorer settings to add the rest to
   */
  static Map<String, Object> clusterProps(KafkaOptions kafka) {
    return clusterProps(kafka.clientConfig(), kafka.prefix);
  }

  static Map<String, Object> clusterProps(Map<String, Object> clientConfig, String prefix) {
    Map<String, Object> props = new HashMap<>();
    props.put(ScorerConfig.BOOTSTRAP_SERVERS_CONFIG, clientConfig.get("bootstrap.servers"));
    clientConfig.forEach((k, v) -> {
      if (!k.equals("bootstrap.servers")) {
        props.put("scorer.client." + k, v);
      }
    });
    props.put(ScorerConfig.TOPIC_PREFIX_CONFIG, prefix);
    return props;
  }
}

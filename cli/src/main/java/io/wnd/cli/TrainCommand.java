package io.wnd.cli;

import io.wnd.state.spec.FeatureSpec;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.wnd.trainer.Backend;
import io.wnd.trainer.StreamingTrainer;
import io.wnd.trainer.TrainerHttp;
import io.wnd.trainer.TrainerMetrics;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code wnd train}: the continuous trainer, until Ctrl-C. */
@Command(name = "train", mixinStandardHelpOptions = true, usageHelpWidth = 110,
    description = {"Learn continuously from the examples topic and publish versions on the models topic.",
        "On start it restores the latest version and resumes right after the examples it contains; every version is",
        "one transaction with the consumed offsets, so nothing is trained twice or skipped, also after a kill.", ""})
final class TrainCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  KafkaOptions kafka;

  @Option(names = "--spec", paramLabel = "NAME|FILE", defaultValue = "criteo", description = "Feature spec of a new model (default: ${DEFAULT-VALUE}).")
  String specName;

  @Option(names = "--model", paramLabel = "NAME", description = "Model name (default: the spec's name).")
  String model;

  @Option(names = "--model-type", paramLabel = "T", description = "wide, deep or wide_and_deep (default: the spec's).")
  String modelType;

  @Option(names = "--publish-every-examples", paramLabel = "N", defaultValue = "100000",
      description = "Publish a version after this many examples (default: ${DEFAULT-VALUE}).")
  long everyExamples;

  @Option(names = "--publish-every", paramLabel = "T", defaultValue = "10s",
      description = "Publish a version after this long, if examples arrived (default: ${DEFAULT-VALUE}).")
  String every;

  @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "-1",
      description = "Serve /metrics (Prometheus) and /health on this port; 0 = any free, -1 = off (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(names = "--http-bind", paramLabel = "ADDR", defaultValue = "127.0.0.1", description = "HTTP bind address (default: ${DEFAULT-VALUE}).")
  String httpBind;

  @Option(names = "--require-gpu", description = "Refuse to start unless the dense tower runs on a GPU (see ./wnd: a GPU the"
      + " CUDA backend has no kernels for, e.g. compute capability 9.0, is not used).")
  boolean requireGpu;

  @Option(names = "--json", description = "Print one JSON line per version and a summary when stopped.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    FeatureSpec fs = Specs.withModelType(spec, Specs.load(spec, specName), modelType);
    long everyMs;
    try {
      everyMs = io.wnd.ingest.replay.ClickDelay.millis(every);
    } catch (NumberFormatException e) {
      throw new ParameterException(spec.commandLine(), "--publish-every '" + every + "': use e.g. 5s, 1m");
    }
    if (everyExamples < 1 || everyMs < 1) {
      throw new ParameterException(spec.commandLine(), "--publish-every and --publish-every-examples must be positive");
    }
    if (httpPort < -1 || httpPort > 65535) {
      throw new ParameterException(spec.commandLine(), "--http-port must be -1 (off), 0 (any) or a port, got " + httpPort);
    }
    Backend.Info backend = Backend.checkAtStart(requireGpu);
    Cli.requireTopics(kafka);
    String name = model != null ? model : fs.name();
    PrintWriter out = spec.commandLine().getOut();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    TrainerMetrics metrics = new TrainerMetrics(registry);
    StreamingTrainer trainer = new StreamingTrainer(kafka.clientConfig(), kafka.topics(),
        new StreamingTrainer.Settings(fs, name, everyExamples, Duration.ofMillis(everyMs)), Clock.systemUTC(), metrics);
    TrainerHttp http = httpPort < 0 ? null : new TrainerHttp(httpBind, httpPort, registry, metrics, trainer::running);
    try {
      run(trainer, name, out, http, last -> report(out, trainer, name, last, backend, http));
    } finally {
      if (http != null) {
        http.close();
      }
    }
    return 0;
  }

  private void report(PrintWriter out, StreamingTrainer trainer, String name, long last, Backend.Info backend,
      TrainerHttp http) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("model", name);
    r.put("version", last);
    r.put("versions_published", trainer.versionsPublished());
    r.put("examples_trained", trainer.examplesTrained());
    r.put("backend", backend.asMap());
    if (http != null) {
      r.put("http_port", http.port());
    }
    if (json) {
      Json.print(out, r);
    } else {
      out.printf("trainer stopped at %s v%d: %d versions published, %,d examples trained%n", name, last,
          trainer.versionsPublished(), trainer.examplesTrained());
    }
    out.flush();
  }

  private long run(StreamingTrainer trainer, String name, PrintWriter out, TrainerHttp http, Cli.Report<Long> report)
      throws Exception {
    // "running" is printed once a signal stops the trainer and waits for its summary
    return Cli.runStoppable(trainer::stop, () -> {
      if (http != null) {
        if (json) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("state", "running");
          m.put("http_port", http.port());
          Json.print(out, m);
        } else {
          out.printf("metrics on http://%s:%d/metrics%n", httpBind, http.port());
        }
        out.flush();
      }
      return trainer.run(p -> printVersion(out, name, p));
    }, report);
  }

  private void printVersion(PrintWriter out, String name, StreamingTrainer.Published p) {
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("version", p.version());
      m.put("examples_seen", p.examplesSeen());
      m.put("window_examples", p.metrics().count());
      m.put("auc", p.metrics().auc());
      m.put("logloss", p.metrics().logLoss());
      m.put("calibration", p.metrics().calibration());
      m.put("publish_bytes", p.published().bytes());
      m.put("publish_ms", p.published().millis());
      m.put("examples_per_second", p.examplesPerSecond());
      Json.print(out, m);
    } else {
      out.printf(Locale.ROOT, "%s v%d: %,d examples (%,d since last), progressive AUC %.4f, log loss %.4f, "
          + "calibration %.3f; %,.0f examples/s; %,d bytes in %d ms%n", name, p.version(), p.examplesSeen(),
          p.metrics().count(), p.metrics().auc(), p.metrics().logLoss(), p.metrics().calibration(),
          p.examplesPerSecond(), p.published().bytes(), p.published().millis());
      out.flush();
    }
  }
}

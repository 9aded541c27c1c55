package io.wnd.cli;

import io.wnd.cli.demo.DemoRun;
import io.wnd.cli.demo.HtmlReport;
import io.wnd.cli.demo.LiveView;
import io.wnd.cli.demo.VersionPoint;
import io.wnd.ingest.generate.CriteoGenerator;
import io.wnd.ingest.read.Format;
import io.wnd.ingest.read.RejectsFile;
import io.wnd.ingest.replay.ClickDelay;
import io.wnd.ingest.replay.ReplayOptions;
import io.wnd.ingest.replay.Replayer;
import io.wnd.schemas.topics.Topics;
import io.wnd.scorer.ScorerConfig;
import io.wnd.state.metrics.StreamMetrics;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.trainer.StreamingTrainer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code wnd demo}: the whole pipeline on this machine, watched live, with a report at the end. */
@Command(name = "demo", mixinStandardHelpOptions = true, usageHelpWidth = 110,
    header = "Run the whole pipeline in one process (broker, scorer, trainer, traffic) and watch it learn.",
    description = {"Run the whole pipeline in this process and watch it learn: a local Kafka broker (in --dir, by default",
        "a temporary directory), the topics, the scorer (Kafka Streams), the streaming trainer (a version every",
        "--publish-every) and traffic - generated Criteo-like impressions at --rate, or --data files - with event time",
        "= wall clock. Labels come quickly: clicks follow their impression after --click-delay, and an impression",
        "without a click becomes a negative when its --attribution-window plus --grace closes in event time (defaults",
        "5 s + 1 s, clicks exp:1s:4s, so labels flow within seconds; 'wnd score' defaults to 10m + 1m). Until the first",
        "windows close only clicks are labelled, so the first versions over-predict and then correct themselves.",
        "A live view refreshes every second: impressions/s, scores/s, score latency p50/p99 (impression produced ->",
        "score produced), examples/s, the model version in service and its age, progressive AUC / log loss, dead",
        "letters. At the end (the data, --duration or Ctrl-C) everything stops in order (producer, trainer, scorer,",
        "broker), an HTML report with charts is written and a summary printed.", ""})
final class DemoCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--data", paramLabel = "FILE", arity = "1..*",
      description = "Replay these files (Criteo TSV, seed-csv, Adult or JSON; plain or .gz) instead of generating "
          + "traffic. Once, or in a loop (new ids each pass) until --duration when it is given.")
  List<Path> data;

  @Option(names = "--format", paramLabel = "FORMAT", description = "Format of every --data file (default: detected).")
  String format;

  @Option(names = "--duration", paramLabel = "T",
      description = "Stop after this long, e.g. 60s, 5m (default: 60s for generated traffic; the whole data with --data).")
  String duration;

  @Option(names = "--rate", paramLabel = "N", defaultValue = "2000",
      description = "Impressions per second, wall clock and event time (default: ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--report", paramLabel = "PATH", defaultValue = "wnd-demo-report.html",
      description = "The HTML report (default: ${DEFAULT-VALUE}).")
  Path report;

  @Option(names = "--dir", paramLabel = "DIR",
      description = "Keep the broker's data and the scorer's state here (default: a temporary directory, deleted at the end).")
  Path dir;

  @Option(names = "--attribution-window", paramLabel = "T", defaultValue = "5s",
      description = "A click within this event time of its impression makes a positive (default: ${DEFAULT-VALUE}).")
  String window;

  @Option(names = "--grace", paramLabel = "T", defaultValue = "1s", description = "Lateness accepted (default: ${DEFAULT-VALUE}).")
  String grace;

  @Option(names = "--click-delay", paramLabel = "DIST", defaultValue = "exp:1s:4s",
      description = "Click delay after its impression: exp:MEAN[:CAP], uniform:MIN:MAX, fixed:D (default: ${DEFAULT-VALUE}).")
  String clickDelay;

  @Option(names = "--publish-every", paramLabel = "T", defaultValue = "5s",
      description = "The trainer publishes a version this often, if examples arrived (default: ${DEFAULT-VALUE}).")
  String publishEvery;

  @Option(names = "--publish-every-examples", paramLabel = "N", defaultValue = "20000",
      description = "... or after this many examples (default: ${DEFAULT-VALUE}).")
  long publishEveryExamples;

  @Option(names = "--spec", paramLabel = "NAME|FILE",
      description = "Feature spec (default: census for Adult data, else criteo).")
  String specName;

  @Option(names = "--model-type", paramLabel = "T", description = "wide, deep or wide_and_deep (default: the spec's).")
  String modelType;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Seed of the traffic and click delays (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--click-rate", paramLabel = "P", defaultValue = "" + CriteoGenerator.DEFAULT_BASE_RATE,
      description = "Mean click probability of the generated traffic (default: ${DEFAULT-VALUE}).")
  double clickRate;

  @Option(names = "--partitions", paramLabel = "N", defaultValue = "3",
      description = "Partitions of the data topics (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "0",
      description = "The scorer's HTTP port; 0 = any free (default), -1 = off.")
  int httpPort;

  @Option(names = "--json", description = "Print one JSON summary as the last line (impressions, scores, examples, "
      + "versions_published, versions_applied_by_scorer, last_version, auc, logloss, latency_ms, dead_letters, duration_s, "
      + "report; snake_case like every other command's JSON).")
  boolean json;

  private long labelDelayMs;

  @Override
  public Integer call() throws Exception {
    long windowMs = positive("--attribution-window", window);
    long graceMs = Cli.millis(spec, "--grace", grace);
    long everyMs = positive("--publish-every", publishEvery);
    labelDelayMs = windowMs + graceMs;
    long durationMs = duration == null ? (data == null ? 60_000 : -1) : positive("--duration", duration);
    if (!(rate > 0)) {
      throw new ParameterException(spec.commandLine(), "--rate must be > 0 (the demo is paced), got " + rate);
    }
    if (publishEveryExamples < 1) {
      throw new ParameterException(spec.commandLine(), "--publish-every-examples must be >= 1, got " + publishEveryExamples);
    }
    if (!(clickRate > 0 && clickRate < 1)) {
      throw new ParameterException(spec.commandLine(), "--click-rate must be in (0, 1), got " + clickRate);
    }
    ClickDelay delay;
    ReplayOptions options;
    try {
      delay = ClickDelay.parse(clickDelay);
      options = new ReplayOptions(rate, rate, ReplayOptions.START_NOW, 0, -1, durationMs, delay, seed, null, false);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    Topics topics;
    try {
      topics = new Topics(Topics.DEFAULT_PREFIX, partitions);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--partitions: " + e.getMessage(), e);
    }
    Format fixed = Cli.format(spec, format);

    for (Path f : data == null ? List.<Path>of() : data) {
      if (!Files.isRegularFile(f)) {
        throw new NoSuchFileException(f + ": no such file");
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    boolean temp = dir == null;
    Path home = temp ? Files.createTempDirectory("wnd-demo-") : dir.toAbsolutePath();
    // a run's impression ids are new even when --dir keeps the topics of an earlier run
    String runId = Long.toString(System.currentTimeMillis() / 1000, 36) + "/";
    AtomicReference<CriteoGenerator> generator = new AtomicReference<>();
    try (RejectsFile rejects = new RejectsFile(home.resolve("demo-rejects.tsv"), 5, m -> err.println("rejected " + m))) {
      List<Replayer.Source> sources = new ArrayList<>();
      String described;
      String defaultSpec = "criteo";
      if (data == null) {
        sources.add(Sources.prefixed(runId, Sources.generated(seed, -1, clickRate, generator)));
        described = String.format(Locale.ROOT, "generated Criteo-like traffic (seed %d, click rate %.2f) at %,.0f/s", seed,
            clickRate, rate);
      } else {
        List<Replayer.Source> files = Sources.files(data, fixed, rejects);
        boolean adult = true;
        for (Replayer.Source f : files) {
          adult &= ((Sources.FileSource) f).format() == Format.ADULT;
        }
        defaultSpec = adult ? "census" : "criteo";
        if (durationMs > 0) {
          looped = true;
          sources.add(Sources.prefixed(runId, Sources.looped(files)));
        } else {
          files.forEach(f -> sources.add(Sources.prefixed(runId, f)));
        }
        described = String.format(Locale.ROOT, "%s at %,.0f rows/s%s",
            String.join(", ", data.stream().map(Path::toString).toList()), rate, durationMs > 0 ? ", looped" : ", once");
      }
      String specArg = specName != null ? specName : defaultSpec;
      FeatureSpec fs = Specs.withModelType(spec, Specs.load(spec, specArg), modelType);
      String modelName = fs.name();
      String labels = String.format(Locale.ROOT, "attribution window %s + grace %s (event time); clicks after %s",
          window, grace, clickDelay);

      Map<String, Object> scorerBase = new LinkedHashMap<>();
      scorerBase.put(ScorerConfig.APPLICATION_ID_CONFIG, "wnd-demo-scorer");
      scorerBase.put(ScorerConfig.SPEC_CONFIG, specArg);
      scorerBase.put(ScorerConfig.MODEL_NAME_CONFIG, modelName);
      scorerBase.put(ScorerConfig.HTTP_PORT_CONFIG, httpPort);
      scorerBase.put(ScorerConfig.NO_MODEL_POLICY_CONFIG, "prior");
      scorerBase.put(ScorerConfig.PRIOR_BASE_RATE_CONFIG, data == null ? clickRate : 0.25);
      scorerBase.put(ScorerConfig.ATTRIBUTION_WINDOW_MS_CONFIG, windowMs);
      scorerBase.put(ScorerConfig.ATTRIBUTION_GRACE_MS_CONFIG, graceMs);
      scorerBase.put(ScorerConfig.MODEL_DIR_CONFIG, home.resolve("scorer").resolve("model").toString());
      scorerBase.put("scorer.streams.state.dir", home.resolve("scorer").resolve("streams").toString());
      try {
        new ScorerConfig(scorerBase); // bad settings fail now, as a usage error, not after the broker started
      } catch (ConfigException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage(), e);
      }
      DemoRun.Settings settings = new DemoRun.Settings(home, temp, topics, client -> {
        Map<String, Object> props = ScoreCommand.clusterProps(client, topics.prefix());
        props.putAll(scorerBase);
        return new ScorerConfig(props);
      }, new StreamingTrainer.Settings(fs, modelName, publishEveryExamples, Duration.ofMillis(everyMs)),
          Duration.ofSeconds(1), Duration.ofMillis(windowMs + graceMs));
      DemoRun run = new DemoRun(settings);
      LiveView view = new LiveView(out, System.console() != null, described, labels, modelName, durationMs / 1000.0);
      if (!json || System.console() != null) {
        out.printf("wnd demo: starting a local Kafka broker, the scorer and the trainer%s...%n",
            temp ? "" : " in " + home);
        out.flush();
      }
      // the report and the summary are written inside the stoppable work: on Ctrl-C / SIGTERM the JVM waits for
      // them before it exits
      DemoRun.Result r = Cli.runStoppable(run::stop, () -> {
        DemoRun.Result res = run.run(sources, options, rejects::count, view);
        StreamMetrics.Snapshot truth = generator.get() == null ? null : generator.get().groundTruthMetrics();
        Map<String, String> table = table(res, described, labels, truth, temp ? null : home);
        HtmlReport.write(report, "wnd demo: " + modelName + ", " + String.format(Locale.ROOT, "%.0f s", res.seconds()),
            table, res);
        print(out, res, described, labels, truth);
        if (json) {
          Json.print(out, json(res, truth, windowMs, graceMs));
        }
        return res;
      });
      if (r.failure() != null) {
        throw r.failure() instanceof Exception e ? e : new IllegalStateException(r.failure());
      }
      return "stopped".equals(r.stopReason()) ? 130 : 0;
    }
  }

  // whether the --data files are replayed in a loop (with --duration): the model then scores rows it trained on
  private boolean looped;

  private long positive(String option, String text) {
    long ms = Cli.millis(spec, option, text);
    if (ms <= 0) {
      throw new ParameterException(spec.commandLine(), option + " '" + text + "': must be > 0, e.g. 30s, 10m, 1h");
    }
    return ms;
  }

  private Map<String, String> table(DemoRun.Result r, String described, String labels, StreamMetrics.Snapshot truth,
      Path kept) {
    Histogram h = r.latency();
    Map<String, String> m = new LinkedHashMap<>();
    m.put("traffic", described);
    m.put("labels", labels);
    m.put("run", String.format(Locale.ROOT, "%.1f s (%s); start-up %.1f s", r.seconds(), r.stopReason(), r.startupSeconds()));
    m.put("impressions", String.format(Locale.ROOT, "%,d produced, %,d scored", r.impressions(), r.scores()));
    m.put("score latency", String.format(Locale.ROOT, "p50 %s, p99 %s, p99.9 %s, max %s (impression produced to score produced)",
        ms(h, 50), ms(h, 99), ms(h, 99.9), ms(h, 100)));
    Histogram st = r.steadyLatency();
    m.put("after the first " + DemoRun.WARM_UP_S + " s", String.format(Locale.ROOT, "p50 %s, p99 %s, p99.9 %s, max %s",
        ms(st, 50), ms(st, 99), ms(st, 99.9), ms(st, 100)));
    m.put("committed latency", String.format(Locale.ROOT, "p50 %s, p99 %s (to a read_committed consumer)",
        ms(r.visibleLatency(), 50), ms(r.visibleLatency(), 99)));
    m.put("examples", String.format(Locale.ROOT, "%,d labelled by the scorer, %,d trained", r.labelled(), r.trained()));
    m.put("versions", String.format(Locale.ROOT, "%d published, %d applied by the scorer (v%d in service at the end)",
        r.versionsPublished(), r.versionsApplied(), r.scorerVersion()));
    VersionPoint last = last(r);
    m.put("model", last == null ? "none"
        : String.format(Locale.ROOT, "v%d: progressive AUC %s, log loss %s over %,d examples", last.version(), f(last.auc()),
            f(last.logLoss()), last.windowExamples()));
    var sv = servedLatest(r);
    m.put("served predictions", (sv == null ? "" : String.format(Locale.ROOT, "v%d served %,d labelled impressions: AUC %s, "
        + "log loss %s; ", sv.getKey(), sv.getValue().count(), f(sv.getValue().auc()), f(sv.getValue().logLoss())))
        + String.format(Locale.ROOT, "all versions (and the prior) together: AUC %s, log loss %s over %,d",
        f(r.served().auc()), f(r.served().logLoss()), r.served().count()));
    if (truth != null) {
      m.put("ground truth", String.format(Locale.ROOT, "AUC %s, log loss %s (the hidden model the clicks were drawn from: "
          + "the best a learner can do)", f(truth.auc()), f(truth.logLoss())));
    }
    m.put("dead letters", Long.toString(r.deadLetters()));
    if (looped) {
      m.put("note", "the files were replayed in a loop: after the first pass, the model scores rows it has trained on, "
          + "and its AUC is above what it reaches on new rows");
    }
    if (kept != null) {
      m.put("data kept in", kept.toString());
    }
    m.put("machine", Runtime.getRuntime().availableProcessors() + " cores, Java " + System.getProperty("java.version"));
    return m;
  }

  /**
   * The latest version whose served impressions all have their final labels - it went out of service at least
   * the window + grace (+ 2 s) before the end, so its late negatives were counted - and that served at least 1,000
   * labelled impressions of both labels; else the latest with an AUC; else null.
   */
  private Map.Entry<Long, StreamMetrics.Snapshot> servedLatest(DemoRun.Result r) {
    double settledBy = r.seconds() - (labelDelayMs / 1000.0) - 2;
    Map.Entry<Long, StreamMetrics.Snapshot> best = null;
    Map.Entry<Long, StreamMetrics.Snapshot> anyFinite = null;
    for (Map.Entry<Long, StreamMetrics.Snapshot> e : r.servedByVersion().entrySet()) {
      if (e.getKey() <= 0 || !Double.isFinite(e.getValue().auc())) {
        continue;
      }
      anyFinite = e;
      double replacedAt = r.applied().stream().filter(a -> a[1] > e.getKey()).mapToDouble(a -> a[0]).min()
          .orElse(Double.POSITIVE_INFINITY);
      if (e.getValue().count() >= 1_000 && replacedAt <= settledBy) {
        best = e;
      }
    }
    return best != null ? best : anyFinite;
  }

  /**
   * The version whose progressive metrics the summary shows: the latest one measured on at least 1,000 examples of
   * both labels (the trainer's final version, published at the stop, usually covers a few examples only), else the
   * latest with an AUC, else null.
   */
  private static VersionPoint last(DemoRun.Result r) {
    VersionPoint best = null;
    for (VersionPoint v : r.versions()) {
      if (Double.isFinite(v.auc()) && (v.windowExamples() >= 1_000 || best == null || best.windowExamples() < 1_000)) {
        best = v;
      }
    }
    return best;
  }

  private static String f(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.4f", v);
  }

  private static String ms(Histogram h, double p) {
    return h.getTotalCount() == 0 ? "-" : h.getValueAtPercentile(p) + " ms";
  }

  private void print(PrintWriter out, DemoRun.Result r, String described, String labels, StreamMetrics.Snapshot truth) {
    Histogram h = r.latency();
    VersionPoint last = last(r);
    out.printf(Locale.ROOT, "%nwnd demo: %.1f s of %s (%s)%n", r.seconds(), described, r.stopReason());
    Histogram st = r.steadyLatency();
    out.printf(Locale.ROOT, "  impressions   %,d produced, %,d scored%n", r.impressions(), r.scores());
    out.printf(Locale.ROOT, "  latency       p50 %s, p99 %s, p99.9 %s (impression produced -> score produced); "
        + "after the first %d s: p50 %s, p99 %s, p99.9 %s%n", ms(h, 50), ms(h, 99), ms(h, 99.9), DemoRun.WARM_UP_S,
        ms(st, 50), ms(st, 99), ms(st, 99.9));
    out.printf(Locale.ROOT, "  examples      %,d labelled by the scorer, %,d trained (%s)%n", r.labelled(), r.trained(), labels);
    out.printf(Locale.ROOT, "  versions      %d published, %d applied by the scorer, v%d in service at the end%n",
        r.versionsPublished(), r.versionsApplied(), r.scorerVersion());
    if (last != null) {
      out.printf(Locale.ROOT, "  model         v%d: progressive AUC %s, log loss %s over its %,d examples%n", last.version(),
          f(last.auc()), f(last.logLoss()), last.windowExamples());
    }
    var sv = servedLatest(r);
    if (sv != null) {
      out.printf(Locale.ROOT, "  served        v%d served %,d labelled impressions: AUC %s, log loss %s%s%n", sv.getKey(),
          sv.getValue().count(), f(sv.getValue().auc()), f(sv.getValue().logLoss()), truth == null ? ""
              : String.format(Locale.ROOT, " (the ground truth's own AUC, the best possible: %s)", f(truth.auc())));
    }
    out.printf(Locale.ROOT, "  dead letters  %d%n", r.deadLetters());
    out.printf("  report        %s%n", report.toAbsolutePath());
    out.flush();
  }

  private Map<String, Object> json(DemoRun.Result r, StreamMetrics.Snapshot truth, long windowMs, long graceMs) {
    Histogram h = r.latency();
    VersionPoint last = last(r);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("impressions", r.impressions());
    m.put("scores", r.scores());
    m.put("examples", r.trained());
    m.put("examples_labelled", r.labelled());
    m.put("clicks", r.replay() == null ? 0 : r.replay().clicks());
    m.put("versions_published", r.versionsPublished());
    m.put("versions_applied_by_scorer", r.versionsApplied());
    m.put("scorer_version", r.scorerVersion());
    m.put("last_version", r.lastVersion());
    m.put("auc_version", last == null ? null : last.version());
    m.put("auc", last == null ? null : finite(last.auc()));
    m.put("logloss", last == null ? null : finite(last.logLoss()));
    var sv = servedLatest(r);
    m.put("served_version", sv == null ? null : sv.getKey());
    m.put("served_auc", sv == null ? null : finite(sv.getValue().auc()));
    m.put("served_logloss", sv == null ? null : finite(sv.getValue().logLoss()));
    if (truth != null) {
      m.put("ground_truth_auc", finite(truth.auc()));
    }
    Map<String, Object> lat = latency(h);
    m.put("latency_ms", lat);
    m.put("latency_steady_ms", latency(r.steadyLatency()));
    m.put("dead_letters", r.deadLetters());
    m.put("duration_s", Math.round(r.seconds() * 10) / 10.0);
    m.put("startup_s", Math.round(r.startupSeconds() * 10) / 10.0);
    m.put("rate", rate);
    m.put("attribution_window_s", windowMs / 1000.0);
    m.put("grace_s", graceMs / 1000.0);
    m.put("click_delay", clickDelay);
    m.put("stop_reason", r.stopReason());
    m.put("report", report.toAbsolutePath().toString());
    return m;
  }

  private static Map<String, Object> latency(Histogram h) {
    Map<String, Object> lat = new LinkedHashMap<>();
    lat.put("p50", h.getTotalCount() == 0 ? null : h.getValueAtPercentile(50));
    lat.put("p99", h.getTotalCount() == 0 ? null : h.getValueAtPercentile(99));
    lat.put("p999", h.getTotalCount() == 0 ? null : h.getValueAtPercentile(99.9));
    lat.put("max", h.getTotalCount() == 0 ? null : h.getMaxValue());
    return lat;
  }

  private static Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }
}

package io.wnd.cli;

import io.wnd.ingest.Row;
import io.wnd.ingest.RowReader;
import io.wnd.ingest.generate.CriteoGenerator;
import io.wnd.ingest.read.CriteoTsvWriter;
import io.wnd.ingest.replay.ClickDelay;
import io.wnd.ingest.replay.ReplayOptions;
import io.wnd.ingest.replay.ReplaySummary;
import io.wnd.ingest.replay.Replayer;
import io.wnd.state.metrics.StreamMetrics;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPOutputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code wnd generate}: synthetic Criteo-like traffic with a hidden ground-truth model. */
@Command(name = "generate", mixinStandardHelpOptions = true, usageHelpWidth = 110,
    header = "Generate synthetic Criteo-like traffic with a hidden ground-truth model, to Kafka or a file.",
    description = {"Generate synthetic Criteo-like traffic: heavy-tailed integers, categoricals with Zipf-like",
        "frequencies and Kaggle-like cardinalities (C9 has 3 values, C3 ten million), clicks drawn from a hidden",
        "ground-truth model whose own AUC and log loss on the generated rows are printed: the best any learner",
        "can reach. Deterministic for a seed. Produces impressions and clicks like 'wnd replay', or with",
        "--output writes the rows as a Criteo TSV file (.gz compresses).", ""})
final class GenerateCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  KafkaOptions kafka;

  @Option(names = "--rate", paramLabel = "N", defaultValue = "1000",
      description = "Rows per second, wall clock; 0 = as fast as possible, with --count: the rows' event times then "
          + "end about now, starting count / --event-rate before (default: ${DEFAULT-VALUE}). Each run's impression "
          + "ids are its own (<run>/generated-seed-<seed>:<n>).")
  double rate;

  @Option(names = "--count", paramLabel = "N", description = "Rows to generate (default: 100000 unless --duration; with --duration, it stops at whichever comes first).")
  Long count;

  @Option(names = "--duration", paramLabel = "T", description = "Generate for this long (e.g. 60s, 10m), then stop (with --count: whichever comes first).")
  String duration;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--spec", paramLabel = "NAME", defaultValue = "criteo",
      description = "Layout of the generated rows; only criteo (default).")
  String specName;

  @Option(names = "--click-rate", paramLabel = "P", defaultValue = "" + CriteoGenerator.DEFAULT_BASE_RATE,
      description = "Mean click probability of the ground truth (default: ${DEFAULT-VALUE}).")
  double clickRate;

  @Option(names = "--click-delay", paramLabel = "DIST", defaultValue = ClickDelay.DEFAULT,
      description = "Click delay: exp:MEAN[:CAP], uniform:MIN:MAX or fixed:D (default: ${DEFAULT-VALUE}).")
  String clickDelay;

  @Option(names = "--event-rate", paramLabel = "N",
      description = "Rows per second of event time (default: --rate when > 0, else 500).")
  Double eventRate;

  @Option(names = "--output", paramLabel = "FILE", description = "Write a Criteo TSV file instead of producing.")
  Path output;

  @Option(names = "--json", description = "Print one JSON summary with the ground truth's auc and logloss.")
  boolean json;

  @Option(names = "--max-cardinality", paramLabel = "N",
      description = "At most N values per categorical field (default: the Kaggle cardinalities, up to ten million): "
          + "a bounded id universe in which every id recurs, e.g. for a soak whose model must stop growing.")
  Integer maxCardinality;

  @Override
  public Integer call() throws Exception {
    if (!"criteo".equals(specName)) {
      throw new ParameterException(spec.commandLine(), "--spec: only 'criteo' traffic can be generated, not '" + specName + "'");
    }
    long durationMs = duration == null ? -1 : parseDuration();
    long n = count != null ? count : durationMs >= 0 ? -1 : 100_000;
    if (n == 0 || n < -1) {
      throw new ParameterException(spec.commandLine(), "--count must be >= 1, got " + n);
    }
    if (!(rate >= 0)) {
      throw new ParameterException(spec.commandLine(), "--rate must be >= 0 (0 = as fast as possible), got " + rate);
    }
    if (!(clickRate > 0 && clickRate < 1)) {
      throw new ParameterException(spec.commandLine(), "--click-rate must be in (0, 1), got " + clickRate);
    }
    AtomicReference<CriteoGenerator> last = new AtomicReference<>();
    if (maxCardinality != null && maxCardinality < 1) {
      throw new ParameterException(spec.commandLine(), "--max-cardinality must be >= 1, got " + maxCardinality);
    }
    Replayer.Source source = Sources.generated(seed, n, clickRate,
        maxCardinality == null ? Integer.MAX_VALUE : maxCardinality, last);
    Cli.Report<ReplaySummary> report = s -> report(s, last.get().groundTruthMetrics());
    ReplaySummary summary;
    if (output != null) {
      // Ctrl-C ends the file after the row being written, whole (a gzip stream closed properly), with the summary
      java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
      summary = Cli.runStoppable(() -> stop.set(true), () -> writeFile(source, durationMs, stop), report);
    } else {
      // a run's own impression ids: the same seed run again (as by hand, twice) makes new impressions, where the
      // same ids were dropped by the scorer as duplicates
      String runId = Long.toString(System.currentTimeMillis(), 36) + "/";
      summary = produce(Sources.prefixed(runId, source), n, durationMs, report);
    }
    return summary.completed() ? 0 : 130;
  }

  private ReplaySummary produce(Replayer.Source source, long n, long durationMs, Cli.Report<ReplaySummary> report)
      throws Exception {
    double evRate = ReplayOptions.eventRate(eventRate, rate);
    // event times never run ahead of the wall clock: as fast as possible, a known count's event times end about now
    // (starting count / event rate before), else they would hold the run to the event rate
    long start = rate == 0 && n > 0 ? System.currentTimeMillis() - Math.round(n * 1000.0 / evRate)
        : ReplayOptions.START_NOW;
    ReplayOptions options;
    try {
      options = new ReplayOptions(rate, evRate, start, 0, -1, durationMs,
          ClickDelay.parse(clickDelay), seed, null, false);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    Cli.requireTopics(kafka);
    Replayer replayer = new Replayer(kafka.clientConfig(), kafka.topics(), options);
    return Cli.runStoppable(replayer::stop,
        () -> replayer.run(List.of(source), () -> 0, Cli.progress(spec.commandLine().getErr(), !json)), report);
  }

  private ReplaySummary writeFile(Replayer.Source source, long durationMs,
      java.util.concurrent.atomic.AtomicBoolean stop) throws Exception {
    Path parent = output.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    long t0 = System.nanoTime();
    long rows = 0;
    long clicks = 0;
    try (OutputStream raw = Files.newOutputStream(output);
        OutputStream maybeGz = output.toString().endsWith(".gz") ? new GZIPOutputStream(raw, 1 << 16) : raw;
        Writer w = new BufferedWriter(new OutputStreamWriter(maybeGz, StandardCharsets.UTF_8), 1 << 16);
        RowReader gen = source.open()) {
      CriteoTsvWriter tsv = new CriteoTsvWriter(w);
      Row row;
      while ((row = gen.next()) != null) {
        tsv.write(row);
        rows++;
        clicks += row.label();
        if (durationMs >= 0 && System.nanoTime() - t0 >= durationMs * 1_000_000L) {
          break;
        }
        if (stop.get()) {
          break;
        }
      }
    }
    double s = (System.nanoTime() - t0) / 1e9;
    return new ReplaySummary(rows, rows, clicks, 0, s, rows / s, !stop.get(), rows);
  }

  private long parseDuration() {
    try {
      long ms = ClickDelay.millis(duration);
      if (ms <= 0) {
        throw new NumberFormatException("not positive");
      }
      return ms;
    } catch (NumberFormatException e) {
      throw new ParameterException(spec.commandLine(), "--duration '" + duration + "': use e.g. 30s, 10m, 1h");
    }
  }

  private void report(ReplaySummary s, StreamMetrics.Snapshot truth) throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> m = Cli.summary(s);
      m.put("ground_truth_auc", truth.auc());
      m.put("ground_truth_logloss", truth.logLoss());
      m.put("click_rate", truth.observedRate());
      if (output != null) {
        m.put("output", output.toString());
      }
      Json.print(out, m);
    } else {
      out.printf("generated %,d rows in %.1f s (%,.0f rows/s), %,d clicks%s%n", s.rows(), s.seconds(), s.rowsPerSecond(),
          s.clicks(), output != null ? " into " + output : "");
      out.printf("ground truth on these rows: AUC %.4f, log loss %.4f, click rate %.4f (the best a learner can do)%n",
          truth.auc(), truth.logLoss(), truth.observedRate());
      out.flush();
    }
  }
}

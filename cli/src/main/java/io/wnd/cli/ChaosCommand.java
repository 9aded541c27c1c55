package io.wnd.cli;

import io.wnd.cli.chaos.Audit;
import io.wnd.cli.chaos.CrashMatrix;
import io.wnd.cli.chaos.Pipeline;
import io.wnd.cli.chaos.Soak;
import io.wnd.ingest.replay.ClickDelay;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code wnd chaos}: the crash matrix, or with {@code --soak} the sustained-load run. */
@Command(name = "chaos", mixinStandardHelpOptions = true, usageHelpWidth = 110,
    header = "Run the pipeline as separate JVMs and break it (kills, restarts, a broker outage).",
    description = {"Run the pipeline as separate JVMs (a broker on its own data directory, scorers, a trainer) and break it.",
        "Crash matrix (default): each round replays --events generated events while every fault in --faults is",
        "injected once at a seeded random moment (scorer/trainer/broker: SIGKILL and restart, the broker on the same",
        "data; publish: a trainer halted in the middle of a version's transaction); after each round the topics are",
        "read (read_committed) to check one score and one labelled example per impression, labels equal to the clicks",
        "sent, contiguous trainer offsets, every scorer on the latest version.",
        "Soak (--soak T): traffic at --rate (default 80%% of a scoring rate measured first) with the trainer publishing",
        "every 5 s; memory (heap, RSS, RocksDB), consumer lag and log errors sampled every --sample-every.", ""})
final class ChaosCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--rounds", paramLabel = "N", defaultValue = "3", description = "Rounds (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--events", paramLabel = "N", defaultValue = "20000",
      description = "Generated events (impressions) per round (default: ${DEFAULT-VALUE}).")
  int events;

  @Option(names = "--faults", paramLabel = "F,...", split = ",", defaultValue = "scorer,trainer,broker",
      description = "Faults per round, from scorer, trainer, broker, publish (default: ${DEFAULT-VALUE}).")
  List<String> faults;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Seed of traffic and fault moments (default: 1).")
  long seed;

  @Option(names = "--rate", paramLabel = "N",
      description = "Events per second, wall clock (crash matrix default: 2000; soak default: 80%% of a measured rate).")
  Double rate;

  @Option(names = "--scorers", paramLabel = "N", defaultValue = "2", description = "Scorer JVMs (default: ${DEFAULT-VALUE}).")
  int scorers;

  @Option(names = "--partitions", paramLabel = "N", defaultValue = "3", description = "Partitions of the data topics (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--heap", paramLabel = "SIZE", defaultValue = "1g", description = "-Xmx of every app (default: ${DEFAULT-VALUE}).")
  String heap;

  @Option(names = "--round-timeout", paramLabel = "T", defaultValue = "5m",
      description = "Longest wait for a round's invariants (default: ${DEFAULT-VALUE}).")
  String roundTimeout;

  @Option(names = "--soak", paramLabel = "T", description = "Run the soak for this long (e.g. 10m) instead of the crash matrix.")
  String soak;

  @Option(names = "--sample-every", paramLabel = "T", defaultValue = "10s", description = "Soak sampling interval (default: ${DEFAULT-VALUE}).")
  String sampleEvery;

  @Option(names = "--publish-every", paramLabel = "T",
      description = "The trainer's publish interval (crash matrix default: 3s; soak default: 5s).")
  String publishEvery;

  @Option(names = "--growth-threshold", paramLabel = "MB/MIN", defaultValue = "4",
      description = "Soak: flag a memory curve rising faster than this over its second half (default: ${DEFAULT-VALUE}).")
  double growthThreshold;

  @Option(names = "--max-cardinality", paramLabel = "N", defaultValue = "10000",
      description = "Soak: at most N values per generated categorical field, a bounded id universe in which the "
          + "model reaches its steady size, so that a rising memory curve means a leak (default: ${DEFAULT-VALUE}; 0: "
          + "the Kaggle cardinalities, up to ten million, whose long tails make the model grow with every new id).")
  int maxCardinality;

  @Option(names = "--model-type", paramLabel = "T", description = "The trainer's model type (default: the spec's).")
  String modelType;

  @Option(names = "--dir", paramLabel = "DIR", description = "Work directory: broker data, state, logs (default: a new one under .wnd/chaos).")
  Path dir;

  @Option(names = "--json", description = "Print one JSON summary on the last line.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    for (String f : faults) {
      if (!CrashMatrix.FAULTS.contains(f)) {
        throw new ParameterException(spec.commandLine(), "--faults: unknown fault '" + f + "' (known: "
            + String.join(", ", CrashMatrix.FAULTS) + ")");
      }
    }
    if (rounds < 1 || events < 1 || scorers < 1 || partitions < 1) {
      throw new ParameterException(spec.commandLine(), "--rounds, --events, --scorers and --partitions must be >= 1");
    }
    Path work = dir != null ? dir : Path.of(".wnd", "chaos", Long.toString(System.currentTimeMillis()));
    Files.createDirectories(work);
    List<String> trainerArgs = modelType == null ? List.of() : List.of("--model-type", modelType);
    PrintWriter out = spec.commandLine().getOut();
    out.println("work directory (logs, broker data): " + work.toAbsolutePath());
    out.flush();
    if (soak != null) {
      return soak(work, trainerArgs, out);
    }
    Pipeline.Settings settings = new Pipeline.Settings(work, partitions, scorers, "20s", "5s",
        publishEvery != null ? publishEvery : "3s", 20_000, heap, trainerArgs, false);
    double r = rate != null ? rate : 2000;
    long t0 = System.nanoTime();
    List<CrashMatrix.Round> done;
    CrashMatrix matrix;
    try (Pipeline pipeline = new Pipeline(settings)) {
      matrix = new CrashMatrix(new CrashMatrix.Plan(rounds, events, faults, seed, r, duration("--round-timeout",
          roundTimeout)), pipeline, work, out);
      done = matrix.run();
    }
    CrashMatrix.Round last = done.get(done.size() - 1);
    Audit.Tally t = last.tally();
    long passed = done.stream().filter(CrashMatrix.Round::passed).count();
    int faultCount = matrix.injected().values().stream().mapToInt(Integer::intValue).sum();
    out.println();
    out.printf(Locale.ROOT, "%-28s %s%n", "rounds passed", passed + " of " + done.size());
    out.printf(Locale.ROOT, "%-28s %d %s%n", "faults survived", faultCount, matrix.injected());
    out.printf(Locale.ROOT, "%-28s %,d%n", "impressions", t.impressions());
    out.printf(Locale.ROOT, "%-28s %,d%n", "impressions scored", t.scored());
    out.printf(Locale.ROOT, "%-28s %,d%n", "labelled examples", t.labelled());
    out.printf(Locale.ROOT, "%-28s %d%n", "lost", t.lost());
    out.printf(Locale.ROOT, "%-28s %d%n", "duplicated", t.duplicated());
    out.printf(Locale.ROOT, "%-28s %d%n", "wrong labels", t.wrongLabels());
    out.printf(Locale.ROOT, "%-28s %d%n", "versions published", last.versions());
    out.printf(Locale.ROOT, "%-28s %d%n", "unexpected app exits", matrix.unexpectedExits());
    matrix.exitReasons().forEach(reason -> out.printf(Locale.ROOT, "  %s%n", reason));
    out.printf(Locale.ROOT, "%-28s %.0f s%n", "wall time", (System.nanoTime() - t0) / 1e9);
    out.flush();
    boolean ok = passed == done.size();
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("mode", "crash-matrix");
      m.put("ok", ok);
      m.put("rounds", done.size());
      m.put("rounds_passed", passed);
      m.put("events_per_round", events);
      m.put("faults", matrix.injected());
      m.put("impressions", t.impressions());
      m.put("scores", t.scored());
      m.put("examples", t.labelled());
      m.put("closed_impressions", t.closedImpressions());
      m.put("lost", t.lost());
      m.put("duplicated", t.duplicated());
      m.put("wrong_labels", t.wrongLabels());
      m.put("versions", last.versions());
      m.put("served_version", last.served());
      m.put("unexpected_exits", matrix.unexpectedExits());
      m.put("unexpected_exit_reasons", matrix.exitReasons());
      List<String> problems = new ArrayList<>();
      done.forEach(d -> d.problems().forEach(p -> problems.add("round " + d.round() + ": " + p)));
      m.put("problems", problems);
      m.put("seconds", Math.round((System.nanoTime() - t0) / 1e9));
      m.put("dir", work.toAbsolutePath().toString());
      Json.print(out, m);
    }
    return ok ? 0 : 1;
  }

  private int soak(Path work, List<String> trainerArgs, PrintWriter out) throws Exception {
    if (maxCardinality < 0) {
      throw new ParameterException(spec.commandLine(), "--max-cardinality must be >= 0, got " + maxCardinality);
    }
    Pipeline.Settings settings = new Pipeline.Settings(work, partitions, Math.max(1, scorers), "20s", "5s",
        publishEvery != null ? publishEvery : "5s", 1_000_000_000L, heap, trainerArgs, true);
    Soak.Result r;
    try (Pipeline pipeline = new Pipeline(settings)) {
      r = new Soak(new Soak.Plan(duration("--soak", soak), rate != null ? rate : 0, duration("--sample-every", sampleEvery),
          growthThreshold, seed, maxCardinality == 0 ? Integer.MAX_VALUE : maxCardinality), pipeline, work, out).run();
    }
    boolean ok = r.flagged().isEmpty() && r.errors() == 0 && r.unexpectedExits() == 0;
    out.println();
    out.printf(Locale.ROOT, "rate %,.0f events/s%s; %d samples; %d versions; max scorer lag %,d; %d error lines; "
        + "%d unexpected exits; %d appends the broker refused and the producer retried (transactions v2; not errors)%n",
        r.rate(), r.measuredRate() > 0 ? String.format(Locale.ROOT, " (80%% of %,.0f measured)", r.measuredRate()) : "",
        r.samples().size(), r.versions(), r.maxLag(), r.errors(), r.unexpectedExits(), r.retriedAppends());
    r.errorLines().forEach(l -> out.println("  error: " + l));
    out.println("slopes over the second half (MB/min; lag: records/min): " + r.slopes());
    out.println(r.flagged().isEmpty() ? "no curve grows beyond " + growthThreshold + " MB/min" : "GROWING: " + r.flagged());
    out.flush();
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("mode", "soak");
      m.put("ok", ok);
      m.put("rate", r.rate());
      m.put("max_cardinality", maxCardinality == 0 ? null : maxCardinality);
      m.put("measured_rate", r.measuredRate());
      m.put("seconds", duration("--soak", soak).toSeconds());
      m.put("versions", r.versions());
      m.put("max_scorer_lag", r.maxLag());
      m.put("errors", r.errors());
      m.put("error_lines", r.errorLines());
      m.put("retried_appends", r.retriedAppends());
      m.put("unexpected_exits", r.unexpectedExits());
      m.put("slopes", r.slopes());
      m.put("flagged", r.flagged());
      m.put("samples", r.samples());
      m.put("dir", work.toAbsolutePath().toString());
      Json.print(out, m);
    }
    return ok ? 0 : 1;
  }

  private Duration duration(String option, String text) {
    try {
      long ms = ClickDelay.millis(text);
      if (ms <= 0) {
        throw new NumberFormatException("not positive");
      }
      return Duration.ofMillis(ms);
    } catch (NumberFormatException e) {
      throw new ParameterException(spec.commandLine(), option + " '" + text + "': use e.g. 30s, 10m, 1h");
    }
  }
}

package io.wnd.cli;

import io.wnd.state.spec.FeatureSpec;
import io.wnd.trainer.Backend;
import io.wnd.trainer.TrainingBenchmark;
import java.io.PrintWriter;
import java.time.Clock;
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

/** {@code wnd bench train}: training examples/s on one thread, for small and large id ranges. */
@Command(name = "train", mixinStandardHelpOptions = true, usageHelpWidth = 110,
    description = {"Measure training examples/s on one thread (no Kafka): for each id range in --ids, a new trainer",
        "trains on --warmup-examples synthetic examples (ids uniform per field, or by a Zipf law with --zipf; this",
        "fills the tables through the normal admissions), then on --examples more, timed, in --rounds rounds: in",
        "each round every trainer in turn trains its next share, so a machine that speeds up or slows down during",
        "the run weighs on every range alike. ./wnd sets OMP_NUM_THREADS=1 unless it is set.",
        "Besides examples/s it reports where the time goes, per example: the parts of a step (wide and embedding",
        "lookups, DL4J's forward and backward passes, the sparse updates) and the drains of changed rows; and, for",
        "each id range after the first, how much more each part costs than in the first (the median over rounds).",
        "A heap that grows while the rounds run puts its cost on the large tables' new rows: for steady numbers",
        "give it a fixed, pre-touched heap, e.g. JAVA_OPTS='-Xms12g -Xmx12g -XX:+AlwaysPreTouch' (26 x 1M ids",
        "need about 6 GB).", ""})
final class BenchTrainCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--spec", paramLabel = "NAME|FILE", defaultValue = "criteo",
      description = "A built-in spec or a spec file (default: ${DEFAULT-VALUE}).")
  String specName;

  @Option(names = "--model-type", paramLabel = "T", description = "wide, deep or wide_and_deep (default: the spec's).")
  String modelType;

  @Option(names = "--ids", paramLabel = "N", split = ",", defaultValue = "1000,1000000",
      description = "Distinct ids per field, one measurement each (default: ${DEFAULT-VALUE}).")
  List<Long> ids;

  @Option(names = "--warmup-examples", paramLabel = "N", defaultValue = "1000000",
      description = "Examples trained on before timing (default: ${DEFAULT-VALUE}; with 1,000,000 ids per field this"
          + " fills the embedding table to about 8 million rows).")
  long warmup;

  @Option(names = "--examples", paramLabel = "N", defaultValue = "200000",
      description = "Examples timed (default: ${DEFAULT-VALUE}).")
  long examples;

  @Option(names = "--rounds", paramLabel = "N", defaultValue = "5",
      description = "Rounds the timed examples of each range are split into (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--zipf", paramLabel = "S",
      description = "Draw each field's ids by a Zipf law of exponent S over the range (id k with a probability "
          + "proportional to (k + 1)^-S), as the categories of click logs are: most lookups are of a few hot ids, "
          + "which stay in the CPU's caches and TLB (wnd generate draws its categories with S = 1.1). Default: uniform ids, "
          + "where every lookup of a large table misses the caches (the worst case).")
  Double zipf;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Override
  public Integer call() {
    FeatureSpec fs = Specs.withModelType(spec, Specs.load(spec, specName), modelType);
    if (warmup < 0 || rounds < 1 || examples < (long) rounds * fs.batchSize()) {
      throw new ParameterException(spec.commandLine(), "--warmup-examples must be >= 0, --rounds >= 1 and --examples "
          + "at least --rounds x the batch size (" + fs.batchSize() + "), a batch per round; got --examples " + examples
          + ", --rounds " + rounds);
    }
    for (long n : ids) {
      if (n < 1 || (zipf != null && n > Integer.MAX_VALUE)) {
        throw new ParameterException(spec.commandLine(), "--ids must be >= 1" + (zipf != null ? " and, with --zipf, <= "
            + Integer.MAX_VALUE : "") + ", got " + n);
      }
    }
    if (zipf != null && !(zipf > 0 && zipf <= 10)) {
      throw new ParameterException(spec.commandLine(), "--zipf must be in (0, 10], got " + zipf);
    }
    PrintWriter out = spec.commandLine().getOut();
    Map<String, Object> heap = BenchCommand.heap();
    if (!Boolean.TRUE.equals(heap.get("fixed"))) {
      PrintWriter err = spec.commandLine().getErr();
      err.printf(Locale.ROOT, "warning: the heap is not fixed and pre-touched (-Xms %d MiB, -Xmx %d MiB%s); while it grows,"
          + " the new rows of large tables land in memory the process touches for the first time, which costs them"
          + " more. For steady numbers: JAVA_OPTS='-Xms12g -Xmx12g -XX:+AlwaysPreTouch'%n", heap.get("initial_mb"),
          heap.get("max_mb"), Boolean.TRUE.equals(heap.get("pre_touched")) ? "" : ", no AlwaysPreTouch");
      err.flush();
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("spec", fs.name());
    r.put("model_type", fs.modelType().jsonName());
    r.put("batch_size", fs.batchSize());
    r.put("backend", Backend.describe().asMap());
    r.put("omp_num_threads", System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset)"));
    r.put("rounds", rounds);
    r.put("id_distribution", zipf == null ? "uniform" : "zipf");
    r.put("zipf_exponent", zipf);
    r.put("heap", heap);
    if (!json) {
      out.printf(Locale.ROOT, "warming up %d trainers (%,d examples each), then %d timed rounds...%n", ids.size(), warmup,
          rounds);
      out.flush();
    }
    List<TrainingBenchmark.Interleaved> measured = TrainingBenchmark.runInterleaved(fs,
        ids.stream().mapToLong(Long::longValue).toArray(), zipf == null ? 0 : zipf, warmup, examples, rounds,
        Clock.systemUTC());
    List<Map<String, Object>> runs = new ArrayList<>();
    double first = Double.NaN;
    List<Double> firstRounds = null;
    TrainingBenchmark.Interleaved firstRun = null;
    for (TrainingBenchmark.Interleaved one : measured) {
      TrainingBenchmark.Result res = one.result();
      long n = res.idsPerField();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("ids_per_field", n);
      m.put("warmup_examples", res.warmupExamples());
      m.put("examples", res.examples());
      m.put("seconds", res.seconds());
      m.put("examples_per_second", Math.round(res.examplesPerSecond()));
      m.put("embedding_rows", res.embeddingRows());
      m.put("wide_coordinates", res.wideCoordinates());
      m.put("pending_ids", res.pendingIds());
      // rows refused at a table's row limit (limits.*): a full table refuses every new key, which costs a lookup
      m.put("refused_rows", res.refusedRows());
      m.put("round_examples_per_second", one.roundRates().stream().map(Math::round).toList());
      // the trainers share a heap: a collection is timed in the rounds of whichever trainer runs when it is due
      m.put("gc_seconds_in_rounds", Math.round(one.gcSeconds() * 1000) / 1000.0);
      // what fills the young generation, per example (the drains included): independent of the machine's speed
      m.put("allocated_bytes_per_example", Math.round(one.allocatedBytesPerExample()));
      Map<String, Double> parts = parts(one);
      m.put("us_per_example", parts);
      if (Double.isNaN(first)) {
        first = res.examplesPerSecond();
        firstRounds = one.roundRates();
        firstRun = one;
      } else {
        // per part, the median over rounds of (this range's figure - the first range's, in the same round)
        m.put("us_per_example_more_than_first", medianMore(one, firstRun));
        // how much slower than the first id range: 0.2 = 20 % fewer examples/s; and the same round by round
        m.put("slowdown_vs_first", 1 - res.examplesPerSecond() / first);
        List<Double> base = firstRounds;
        m.put("slowdown_vs_first_by_round", java.util.stream.IntStream.range(0, rounds)
            .mapToObj(i -> Math.round((1 - one.roundRates().get(i) / base.get(i)) * 1000) / 1000.0).toList());
      }
      runs.add(m);
      if (!json) {
        out.printf(Locale.ROOT, "%s %s batch %d, %d fields x %,d ids%s: %,.0f examples/s (%,d in %.2f s; embedding rows"
                + " %,d, wide coordinates %,d, pending ids %,d, refused rows %,d; %.2f s of collections in its rounds,"
                + " %,.0f bytes of heap allocated per example)%n",
            fs.name(), fs.modelType().jsonName(), fs.batchSize(), fs.wideFieldCount(), n,
            zipf == null ? "" : String.format(Locale.ROOT, " (Zipf law, exponent %s)", zipf), res.examplesPerSecond(),
            res.examples(), res.seconds(), res.embeddingRows(), res.wideCoordinates(), res.pendingIds(),
            res.refusedRows(), one.gcSeconds(), one.allocatedBytesPerExample());
        StringBuilder line = new StringBuilder("  us per example:");
        parts.forEach((k, v) -> line.append(String.format(Locale.ROOT, " %s %.2f", k, v)));
        out.println(line);
        if (m.containsKey("us_per_example_more_than_first")) {
          StringBuilder more = new StringBuilder("  more than the first range (median of rounds):");
          @SuppressWarnings("unchecked")
          Map<String, Double> d = (Map<String, Double>) m.get("us_per_example_more_than_first");
          d.forEach((k, v) -> more.append(String.format(Locale.ROOT, " %s %+.2f", k, v)));
          out.println(more);
        }
        out.flush();
      }
    }
    r.put("runs", runs);
    if (json) {
      Json.print(out, r);
    }
    out.flush();
    return 0;
  }

  /** A round's figures per part, with its total per example and what the parts leave out ("other"). */
  private static Map<String, Double> roundParts(TrainingBenchmark.Interleaved run, int round) {
    double[] parts = run.roundParts().get(round);
    double total = 1e6 / run.roundRates().get(round);
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("total", total);
    double sum = 0;
    for (int p = 0; p < TrainingBenchmark.PARTS; p++) {
      m.put(TrainingBenchmark.partName(p), parts[p]);
      sum += parts[p];
    }
    // the loss and the bias, the batch bookkeeping, the clock reads
    m.put("other", total - sum);
    return m;
  }

  /** Microseconds per example by part over all rounds, rounded to 0.01. */
  private static Map<String, Double> parts(TrainingBenchmark.Interleaved run) {
    Map<String, Double> out = new LinkedHashMap<>();
    int rounds = run.roundRates().size();
    for (int i = 0; i < rounds; i++) {
      for (Map.Entry<String, Double> e : roundParts(run, i).entrySet()) {
        out.merge(e.getKey(), e.getValue() / rounds, Double::sum);
      }
    }
    out.replaceAll((k, v) -> Math.round(v * 100) / 100.0);
    return out;
  }

  /** Per part, the median over rounds of {@code run}'s figure less {@code base}'s in the same round. */
  private static Map<String, Double> medianMore(TrainingBenchmark.Interleaved run, TrainingBenchmark.Interleaved base) {
    int rounds = run.roundRates().size();
    Map<String, double[]> diffs = new LinkedHashMap<>();
    for (int i = 0; i < rounds; i++) {
      Map<String, Double> a = roundParts(run, i);
      Map<String, Double> b = roundParts(base, i);
      int round = i;
      a.forEach((k, v) -> diffs.computeIfAbsent(k, x -> new double[rounds])[round] = v - b.get(k));
    }
    Map<String, Double> out = new LinkedHashMap<>();
    diffs.forEach((k, sorted) -> {
      java.util.Arrays.sort(sorted);
      double median = rounds % 2 == 1 ? sorted[rounds / 2] : (sorted[rounds / 2 - 1] + sorted[rounds / 2]) / 2;
      out.put(k, Math.round(median * 100) / 100.0);
    });
    return out;
  }
}

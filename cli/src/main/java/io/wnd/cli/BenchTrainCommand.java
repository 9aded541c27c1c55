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
        "trains on --warmup-examples synthetic examples (ids uniform per field; this fills the tables through the",
        "normal admissions), then on --examples more, timed, in --rounds rounds: in each round every trainer in",
        "turn trains its next share, so a machine that speeds up or slows down during the run weighs on every range",
        "alike. ./wnd sets OMP_NUM_THREADS=1 unless it is set.", ""})
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
      if (n < 1) {
        throw new ParameterException(spec.commandLine(), "--ids must be >= 1, got " + n);
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("spec", fs.name());
    r.put("model_type", fs.modelType().jsonName());
    r.put("batch_size", fs.batchSize());
    r.put("backend", Backend.describe().asMap());
    r.put("omp_num_threads", System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset)"));
    r.put("rounds", rounds);
    if (!json) {
      out.printf(Locale.ROOT, "warming up %d trainers (%,d examples each), then %d timed rounds...%n", ids.size(), warmup,
          rounds);
      out.flush();
    }
    List<TrainingBenchmark.Interleaved> measured = TrainingBenchmark.runInterleaved(fs,
        ids.stream().mapToLong(Long::longValue).toArray(), warmup, examples, rounds, Clock.systemUTC());
    List<Map<String, Object>> runs = new ArrayList<>();
    double first = Double.NaN;
    List<Double> firstRounds = null;
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
      if (Double.isNaN(first)) {
        first = res.examplesPerSecond();
        firstRounds = one.roundRates();
      } else {
        // how much slower than the first id range: 0.2 = 20 % fewer examples/s; and the same round by round
        m.put("slowdown_vs_first", 1 - res.examplesPerSecond() / first);
        List<Double> base = firstRounds;
        m.put("slowdown_vs_first_by_round", java.util.stream.IntStream.range(0, rounds)
            .mapToObj(i -> Math.round((1 - one.roundRates().get(i) / base.get(i)) * 1000) / 1000.0).toList());
      }
      runs.add(m);
      if (!json) {
        out.printf(Locale.ROOT, "%s %s batch %d, %d fields x %,d ids: %,.0f examples/s (%,d in %.2f s; embedding rows"
                + " %,d, wide coordinates %,d, pending ids %,d, refused rows %,d; %.2f s of collections in its rounds)%n",
            fs.name(), fs.modelType().jsonName(), fs.batchSize(), fs.wideFieldCount(), n, res.examplesPerSecond(),
            res.examples(), res.seconds(), res.embeddingRows(), res.wideCoordinates(), res.pendingIds(),
            res.refusedRows(), one.gcSeconds());
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
}

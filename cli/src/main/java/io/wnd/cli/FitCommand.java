package io.wnd.cli;

import io.wnd.ingest.read.Format;
import io.wnd.ingest.read.RejectsFile;
import io.wnd.state.encode.Encoder;
import io.wnd.state.file.ModelFile;
import io.wnd.state.metrics.StreamMetrics;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.version.ModelVersion;
import io.wnd.trainer.Backend;
import io.wnd.trainer.Evaluation;
import io.wnd.trainer.OfflineTraining;
import io.wnd.trainer.WideDeepTrainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code wnd fit}: the seed's train + evaluate + export, from files. */
@Command(name = "fit", mixinStandardHelpOptions = true, usageHelpWidth = 110,
    header = "Train a model from labelled files, with progressive validation; evaluate and export it.",
    description = {"Train a model from labelled files in order (mini-batches of the spec's size, each scored before it",
        "is trained on: progressive validation), optionally evaluate it on held-out files, and export it. Each epoch's",
        "line is printed as it ends, and the examples trained so far every 10 s on stderr. Ctrl-C or SIGTERM stops",
        "after the current mini-batch: the summary (with --json too) says what was trained, nothing is evaluated or",
        "exported, and the exit code is 130.", ""})
final class FitCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--input", paramLabel = "FILE", required = true, arity = "1..*", description = "Training files, in order.")
  List<Path> inputs;

  @Option(names = "--format", paramLabel = "F", description = "criteo, seed-csv, adult or json (detected when omitted).")
  String format;

  @Option(names = "--spec", paramLabel = "NAME|FILE", defaultValue = "criteo",
      description = "A built-in spec (criteo, criteo-large, census) or a spec file (default: ${DEFAULT-VALUE}).")
  String specName;

  @Option(names = "--model-type", paramLabel = "T", description = "wide, deep or wide_and_deep (default: the spec's).")
  String modelType;

  @Option(names = "--epochs", paramLabel = "N", defaultValue = "1", description = "Passes over the input (default: 1). Only the first "
      + "pass's metrics are progressive (each batch scored before it is trained on); later passes score rows already "
      + "trained on (training-set metrics).")
  int epochs;

  @Option(names = "--skip", paramLabel = "N", defaultValue = "0", description = "Skip the first N labelled rows (default: 0).")
  long skip;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "-1", description = "Train on at most N rows (default: all).")
  long limit;

  @Option(names = "--eval", paramLabel = "FILE", arity = "1..*", description = "Held-out files to evaluate on after training.")
  List<Path> eval;

  @Option(names = "--eval-limit", paramLabel = "N", defaultValue = "-1", description = "Evaluate on at most N rows (default: all).")
  long evalLimit;

  @Option(names = "--export", paramLabel = "PATH", description = "Write the trained model to this model file (checked "
      + "before training: not a directory, not an input, and replacing only a model file).")
  Path export;

  @Option(names = "--rejects", paramLabel = "FILE", defaultValue = "fit-rejects.tsv", description = "Where bad lines go, with their file, line and reason "
      + "(default: ${DEFAULT-VALUE}; replaced each run, absent when there are none). Not one of the inputs.")
  Path rejects;

  @Option(names = "--require-gpu", description = "Refuse to start unless the dense tower runs on a GPU.")
  boolean requireGpu;

  @Option(names = "--json", description = "Print one JSON summary on the last line (per-epoch metrics, evaluation, "
      + "rejected lines, completed).")
  boolean json;

  @Override
  public Integer call() throws Exception {
    FeatureSpec fs = Specs.withModelType(spec, Specs.load(spec, specName), modelType);
    if (epochs < 1) {
      throw new ParameterException(spec.commandLine(), "--epochs must be >= 1, got " + epochs);
    }
    if (eval == null && evalLimit >= 0) {
      throw new ParameterException(spec.commandLine(), "--eval-limit applies to --eval FILE..., which is not given");
    }
    Format f = Cli.format(spec, format);
    // everything the run will read or write is checked now, not after hours of training
    FileArgs.checkNotAnInput(spec, "--rejects", rejects, inputs, eval);
    if (export != null) {
      FileArgs.checkNotAnInput(spec, "--export", export, inputs, eval);
      if (FileArgs.same(export, rejects)) {
        throw new ParameterException(spec.commandLine(), "--export and --rejects are the same file: " + export);
      }
      ModelFile.checkTarget(export);
    }
    Encoder encoder = new Encoder(fs);
    TrainingInputs evalRows = eval == null ? null : new TrainingInputs(eval, f, encoder, 0, evalLimit,
        io.wnd.ingest.Rejects.ignore());
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("spec", fs.name());
    r.put("model_type", fs.modelType().name().toLowerCase(Locale.ROOT));
    r.put("backend", Backend.checkAtStart(requireGpu).asMap());
    FileArgs.clearOldRejects(rejects);
    AtomicBoolean stop = new AtomicBoolean();
    boolean completed = Cli.runStoppable(() -> stop.set(true), () -> {
      try (RejectsFile rej = new RejectsFile(rejects, 5, m -> err.println("rejected " + m))) {
        boolean done = train(fs, f, encoder, evalRows, rej, stop, r, out, err);
        FileArgs.printRejects(err, rej);
        if (json) {
          Json.print(out, r);
        }
        out.flush();
        return done;
      }
    });
    return completed ? 0 : 130;
  }

  /** Trains, evaluates and exports (the last two only when not stopped); fills the summary; says if it completed. */
  private boolean train(FeatureSpec fs, Format f, Encoder encoder, TrainingInputs evalRows, RejectsFile rej,
      AtomicBoolean stop, Map<String, Object> r, PrintWriter out, PrintWriter err) throws Exception {
    WideDeepTrainer trainer = new WideDeepTrainer(fs, Clock.systemUTC());
    long t0 = System.nanoTime();
    TrainingInputs rows = new TrainingInputs(inputs, f, encoder, skip, limit, rej);
    Progress progress = new Progress(rows, out, err, t0);
    List<StreamMetrics.Snapshot> epochsOut = OfflineTraining.fit(trainer, rows, epochs, stop::get, progress);
    double seconds = (System.nanoTime() - t0) / 1e9;
    boolean completed = !stop.get();
    if (trainer.examplesSeen() == 0) {
      if (!completed) {
        r.put("completed", false);
        r.put("examples", 0);
        if (!json) {
          out.println("stopped before the first mini-batch was trained: nothing exported");
        }
        return false;
      }
      throw new IllegalArgumentException("no labelled rows to train on in " + inputs + ": " + rows.emptyReason()
          + FileArgs.rejectsNote(rej));
    }
    r.put("completed", completed);
    r.put("examples", trainer.examplesSeen());
    List<Map<String, Object>> perEpoch = new java.util.ArrayList<>();
    for (int i = 0; i < epochsOut.size(); i++) {
      Map<String, Object> m = metrics(epochsOut.get(i));
      // the first pass scores each batch before training on it; later passes score rows already trained on
      m.put("progressive", i == 0);
      perEpoch.add(m);
    }
    r.put("epochs", perEpoch);
    r.put("examples_per_second", Math.round(trainer.examplesSeen() / seconds));
    r.put("rejected", rej.count());
    if (!json) {
      out.printf(Locale.ROOT, "trained %,d examples in %.1f s (%,.0f examples/s)%n", trainer.examplesSeen(), seconds,
          trainer.examplesSeen() / seconds);
    }
    if (!completed) {
      if (!json) {
        out.println("stopped" + (export != null ? ": nothing exported" : "") + (eval != null ? ", nothing evaluated"
            : ""));
      }
      return false;
    }
    Evaluation e = null;
    if (evalRows != null) {
      long rejectedBefore = rej.count();
      evalRows.rejectsTo(rej);
      e = OfflineTraining.evaluate(trainer.model(), evalRows);
      if (e.rows() == 0) {
        throw new IllegalArgumentException("no labelled rows to evaluate on in --eval " + eval + ": "
            + evalRows.emptyReason() + FileArgs.rejectsNote(rej));
      }
      Map<String, Object> em = EvaluateCommand.asMap(e);
      em.put("rejected", rej.count() - rejectedBefore);
      r.put("evaluation", em);
      r.put("rejected", rej.count());
      if (!json) {
        EvaluateCommand.print(out, e);
      }
    }
    if (export != null) {
      // the model's figures: held-out ones when there are, else the first pass's progressive ones (later passes
      // score rows the model was trained on)
      Map<String, Double> metrics = new LinkedHashMap<>();
      metrics.put("auc", e != null ? e.auc() : epochsOut.get(0).auc());
      metrics.put("logloss", e != null ? e.logLoss() : epochsOut.get(0).logLoss());
      ModelVersion v = new ModelVersion(fs.name(), 1, 0, System.currentTimeMillis(), trainer.examplesSeen(), Map.of(),
          metrics, fs.toJson(), trainer.model().tower().toFlat(), 0);
      ModelFile.write(export, v, trainer.model().wide(), trainer.model().embeddings());
      r.put("export", export.toString());
      if (!json) {
        out.println("exported to " + export);
      }
    }
    return true;
  }

  /** Prints each epoch's line as it ends, and on stderr every 10 s the examples trained so far. */
  private final class Progress implements OfflineTraining.Progress {
    private final TrainingInputs rows;
    private final PrintWriter out;
    private final PrintWriter err;
    private final long start;
    private long lastReport;
    private long before;

    Progress(TrainingInputs rows, PrintWriter out, PrintWriter err, long start) {
      this.rows = rows;
      this.out = out;
      this.err = err;
      this.start = start;
      this.lastReport = start;
    }

    @Override
    public void batch(int epoch, long examples) {
      long now = System.nanoTime();
      if (now - lastReport >= 10_000_000_000L) {
        lastReport = now;
        err.printf(Locale.ROOT, "fit: epoch %d of %d: %,d examples so far (%,.0f examples/s)%n", epoch, epochs,
            examples, (before + examples) / ((now - start) / 1e9));
        err.flush();
      }
    }

    @Override
    public void epoch(int epoch, StreamMetrics.Snapshot s) {
      before += s.count();
      if (epoch == 1) {
        // later passes read the same lines again: their bad lines were reported by this one
        rows.rejectsTo(io.wnd.ingest.Rejects.ignore());
      }
      if (!json) {
        out.printf(Locale.ROOT, "epoch %d: %,d examples, %s AUC %.4f, log loss %.4f, calibration %.3f%n", epoch,
            s.count(), epoch == 1 ? "progressive" : "training-set (rows already trained on)", s.auc(), s.logLoss(),
            s.calibration());
        out.flush();
      }
    }
  }

  static Map<String, Object> metrics(StreamMetrics.Snapshot s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("examples", s.count());
    m.put("auc", s.auc());
    m.put("logloss", s.logLoss());
    m.put("calibration", s.calibration());
    return m;
  }
}

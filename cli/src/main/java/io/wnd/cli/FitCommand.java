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
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code wnd fit}: the seed's train + evaluate + export, from files. */
@Command(name = "fit", mixinStandardHelpOptions = true, usageHelpWidth = 110,
    header = "Train a model from labelled files, with progressive validation; evaluate and export it.",
    description = {"Train a model from labelled files in order (mini-batches of the spec's size, each scored before it",
        "is trained on: progressive validation), optionally evaluate it on held-out files, and export it.", ""})
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

  @Option(names = "--epochs", paramLabel = "N", defaultValue = "1", description = "Passes over the input (default: 1).")
  int epochs;

  @Option(names = "--skip", paramLabel = "N", defaultValue = "0", description = "Skip the first N labelled rows.")
  long skip;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "-1", description = "Train on at most N rows.")
  long limit;

  @Option(names = "--eval", paramLabel = "FILE", arity = "1..*", description = "Held-out files to evaluate on after training.")
  List<Path> eval;

  @Option(names = "--eval-limit", paramLabel = "N", defaultValue = "-1", description = "Evaluate on at most N rows.")
  long evalLimit;

  @Option(names = "--export", paramLabel = "PATH", description = "Write the trained model to this model file.")
  Path export;

  @Option(names = "--rejects", paramLabel = "FILE", defaultValue = "fit-rejects.tsv", description = "Where bad lines go.")
  Path rejects;

  @Option(names = "--require-gpu", description = "Refuse to start unless the dense tower runs on a GPU.")
  boolean requireGpu;

  @Option(names = "--json", description = "Print one JSON summary (per-epoch progressive metrics, evaluation).")
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
    Format f = format == null ? null : Format.of(format);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("spec", fs.name());
    r.put("model_type", fs.modelType().name().toLowerCase(Locale.ROOT));
    r.put("backend", Backend.checkAtStart(requireGpu).asMap());
    try (RejectsFile rej = new RejectsFile(rejects, 5, m -> err.println("rejected " + m))) {
      Encoder encoder = new Encoder(fs);
      WideDeepTrainer trainer = new WideDeepTrainer(fs, Clock.systemUTC());
      long t0 = System.nanoTime();
      TrainingInputs rows = new TrainingInputs(inputs, f, encoder, skip, limit, rej);
      List<StreamMetrics.Snapshot> epochsOut = OfflineTraining.fit(trainer, rows, epochs);
      if (trainer.examplesSeen() == 0) {
        throw new IllegalArgumentException("no labelled rows to train on in " + inputs + ": " + rows.emptyReason());
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      r.put("epochs", epochsOut.stream().map(FitCommand::metrics).toList());
      r.put("examples_per_second", Math.round(trainer.examplesSeen() / seconds));
      r.put("rejected", rej.count());
      if (!json) {
        for (int i = 0; i < epochsOut.size(); i++) {
          StreamMetrics.Snapshot s = epochsOut.get(i);
          out.printf(Locale.ROOT, "epoch %d: %,d examples, progressive AUC %.4f, log loss %.4f, calibration %.3f%n", i + 1,
              s.count(), s.auc(), s.logLoss(), s.calibration());
        }
        out.printf(Locale.ROOT, "trained %,d examples in %.1f s (%,.0f examples/s)%n", trainer.examplesSeen(), seconds,
            trainer.examplesSeen() / seconds);
      }
      if (eval != null) {
        TrainingInputs evalRows = new TrainingInputs(eval, f, encoder, 0, evalLimit, rej);
        Evaluation e = OfflineTraining.evaluate(trainer.model(), evalRows);
        if (e.rows() == 0) {
          throw new IllegalArgumentException("no labelled rows to evaluate on in --eval " + eval + ": "
              + evalRows.emptyReason());
        }
        r.put("evaluation", EvaluateCommand.asMap(e));
        if (!json) {
          EvaluateCommand.print(out, e);
        }
      }
      if (export != null) {
        StreamMetrics.Snapshot last = epochsOut.get(epochsOut.size() - 1);
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("auc", last.auc());
        metrics.put("logloss", last.logLoss());
        ModelVersion v = new ModelVersion(fs.name(), 1, 0, System.currentTimeMillis(), trainer.examplesSeen(), Map.of(),
            metrics, fs.toJson(), trainer.model().tower().toFlat(), 0);
        ModelFile.write(export, v, trainer.model().wide(), trainer.model().embeddings());
        r.put("export", export.toString());
        if (!json) {
          out.println("exported to " + export);
        }
      }
    }
    if (json) {
      Json.print(out, r);
    }
    out.flush();
    return 0;
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

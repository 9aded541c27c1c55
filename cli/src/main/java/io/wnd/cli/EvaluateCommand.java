package io.wnd.cli;

import io.wnd.ingest.read.Format;
import io.wnd.ingest.read.RejectsFile;
import io.wnd.state.encode.Encoder;
import io.wnd.state.file.ModelFile;
import io.wnd.trainer.Evaluation;
import io.wnd.trainer.OfflineTraining;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code wnd evaluate}: AUC, log loss, accuracy and calibration of a model file on labelled files. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, usageHelpWidth = 110,
    header = "Evaluate a model file on labelled files: AUC, log loss, accuracy, calibration.",
    description = {"Evaluate a model file on labelled files with the scorer's forward pass: AUC, log loss, accuracy,",
        "calibration (mean p / observed rate) and rows.", ""})
final class EvaluateCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--model-file", paramLabel = "PATH", required = true, description = "The model file.")
  Path model;

  @Option(names = "--input", paramLabel = "FILE", required = true, arity = "1..*", description = "Labelled files.")
  List<Path> inputs;

  @Option(names = "--format", paramLabel = "F", description = "criteo, seed-csv, adult or json (detected when omitted).")
  String format;

  @Option(names = "--skip", paramLabel = "N", defaultValue = "0", description = "Skip the first N labelled rows.")
  long skip;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "-1", description = "Evaluate on at most N rows.")
  long limit;

  @Option(names = "--rejects", paramLabel = "FILE", defaultValue = "evaluate-rejects.tsv", description = "Where bad lines go.")
  Path rejects;

  @Option(names = "--json", description = "Print one JSON object (auc, logloss, accuracy, calibration, rows).")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Format f = Cli.format(spec, format);
    FileArgs.checkNotAnInput(spec, "--rejects", rejects, inputs);
    ModelFile.Loaded m = ModelFile.read(model);
    FileArgs.clearOldRejects(rejects);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (RejectsFile rej = new RejectsFile(rejects, 5, msg -> err.println("rejected " + msg))) {
      TrainingInputs rows = new TrainingInputs(inputs, f, new Encoder(m.spec()), skip, limit, rej);
      Evaluation e = OfflineTraining.evaluate(m.model(), rows);
      if (e.rows() == 0) {
        throw new IllegalArgumentException("no labelled rows to evaluate in " + inputs + ": " + rows.emptyReason()
            + FileArgs.rejectsNote(rej));
      }
      if (json) {
        Map<String, Object> r = asMap(e);
        r.put("rejected", rej.count());
        Json.print(out, r);
      } else {
        print(out, e);
        FileArgs.printRejects(err, rej);
      }
    }
    out.flush();
    return 0;
  }

  static Map<String, Object> asMap(Evaluation e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("rows", e.rows());
    m.put("auc", e.auc());
    m.put("logloss", e.logLoss());
    m.put("accuracy", e.accuracy());
    m.put("calibration", e.calibration());
    m.put("mean_prediction", e.meanPrediction());
    m.put("observed_rate", e.observedRate());
    return m;
  }

  static void print(PrintWriter out, Evaluation e) {
    out.printf(Locale.ROOT, "evaluated %,d rows: AUC %.4f, log loss %.4f, accuracy %.4f, calibration %.3f "
        + "(mean p %.4f / observed %.4f)%n", e.rows(), e.auc(), e.logLoss(), e.accuracy(), e.calibration(),
        e.meanPrediction(), e.observedRate());
  }
}

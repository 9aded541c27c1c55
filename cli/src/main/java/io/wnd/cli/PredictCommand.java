package io.wnd.cli;

import io.wnd.ingest.Row;
import io.wnd.ingest.read.FileRowReader;
import io.wnd.ingest.read.Format;
import io.wnd.state.encode.Encoded;
import io.wnd.state.encode.Encoder;
import io.wnd.state.file.ModelFile;
import io.wnd.state.model.ForwardPass;
import io.wnd.state.model.WideDeepModel;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.store.ModelStore;
import io.wnd.state.store.ModelView;
import io.wnd.state.version.VersionReader;
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
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code wnd predict}: the seed's {@code gcloud ml-engine predict --json-instances}. */
@Command(name = "predict", mixinStandardHelpOptions = true, usageHelpWidth = 110,
    header = "Predict JSON instances with a model file or the version in service on the models topic.",
    description = {"Predict JSON instances (one object per line, Criteo or census field names) with a model file or",
        "the latest version on the models topic, and print CLASSES, LOGISTIC, LOGITS, PROBABILITIES per instance.", ""})
final class PredictCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  KafkaOptions kafka;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  static final class Source {
    @Option(names = "--model-file", paramLabel = "PATH", description = "A model file written by 'wnd fit --export' or 'wnd export'.")
    Path file;

    @Option(names = "--model", paramLabel = "NAME", description = "The latest version of this model on the models topic.")
    String name;
  }

  @Option(names = "--json-instances", paramLabel = "FILE", required = true, description = "Instances, one JSON object per line.")
  Path instances;

  @Option(names = "--json", description = "Print one JSON object: {\"model\", \"version\", \"predictions\": [...]}.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    List<String> problems = new ArrayList<>();
    List<Row> rows = new ArrayList<>();
    try (FileRowReader reader = FileRowReader.open(instances, Format.JSON,
        (src, line, reason, text) -> problems.add(src + ":" + line + ": " + reason))) {
      Row r;
      while ((r = reader.next()) != null) {
        rows.add(r);
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("bad instances: " + String.join("; ", problems.subList(0, Math.min(5, problems.size())))
          + (problems.size() > 5 ? " (and " + (problems.size() - 5) + " more)" : ""));
    }
    if (source.name != null && Files.isRegularFile(Path.of(source.name))) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--model names a model on the models "
          + "topic, and '" + source.name + "' is a file: use --model-file " + source.name);
    }
    if (source.file != null) {
      ModelFile.Loaded m = ModelFile.read(source.file);
      print(rows, m.spec(), m.model(), m.version().model(), m.version().version());
      return 0;
    }
    Cli.requireTopics(kafka);
    Path dir = Files.createTempDirectory("wnd-predict-");
    FeatureSpec spec = null;
    try (ModelStore store = new ModelStore(dir.resolve("store"), 1024, 1024, 100_000);
        VersionReader reader = new VersionReader(kafka.clientConfig(), kafka.topics(), source.name, store)) {
      if (reader.catchUp(Duration.ofMinutes(5)) == 0) {
        throw new IllegalStateException("no version of model '" + source.name + "' on " + kafka.topics().name(
            io.wnd.schemas.topics.Topics.MODELS));
      }
      try (ModelView view = store.acquire()) {
        spec = FeatureSpec.parse(view.version().specJson());
        print(rows, spec, view.model(spec), source.name, view.version().version());
      }
    } finally {
      Files.deleteIfExists(dir);
    }
    return 0;
  }

  private void print(List<Row> rows, FeatureSpec spec, WideDeepModel model, String name, long version) {
    Encoder encoder = new Encoder(spec);
    Encoded e = encoder.newEncoded();
    ForwardPass pass = new ForwardPass(model);
    // every instance scored before anything is printed: an instance the model cannot read prints no partial table
    double[] logits = new double[rows.size()];
    for (int i = 0; i < logits.length; i++) {
      try {
        encoder.encode(rows.get(i).features(), e);
      } catch (IllegalArgumentException ex) {
        throw new IllegalArgumentException("model " + name + " v" + version + " cannot read " + instances + ": "
            + ex.getMessage() + Specs.hintFor(rows.get(i).features(), "a model trained with"),
            ex);
      }
      logits[i] = pass.logit(e);
    }
    PrintWriter out = spec().commandLine().getOut();
    List<Map<String, Object>> predictions = new ArrayList<>();
    if (!json) {
      out.printf("%-8s %-22s %-22s %s%n", "CLASSES", "LOGISTIC", "LOGITS", "PROBABILITIES");
    }
    for (double logit : logits) {
      double p = ForwardPass.sigmoid(logit);
      int cls = p >= 0.5 ? 1 : 0;
      if (json) {
        Map<String, Object> m = new LinkedHashMap<>();
        // the shape the scorer's :predict answers with (TensorFlow Serving's classifier outputs)
        m.put("classes", List.of(Integer.toString(cls)));
        m.put("class_ids", List.of(cls));
        m.put("logistic", List.of(p));
        m.put("logits", List.of(logit));
        m.put("probabilities", List.of(1 - p, p));
        predictions.add(m);
      } else {
        // each number as Java prints a double: the shortest digits that read back as the same value, no padding zeros
        out.printf(Locale.ROOT, "%-8d %-22s %-22s [%s, %s]%n", cls, "[" + p + "]", "[" + logit + "]", 1 - p, p);
      }
    }
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("model", name);
      m.put("version", version);
      m.put("predictions", predictions);
      Json.print(out, m);
    }
    out.flush();
  }

  private CommandSpec spec() {
    return spec;
  }
}

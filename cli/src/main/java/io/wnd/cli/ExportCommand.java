package io.wnd.cli;

import io.wnd.state.file.ModelFile;
import io.wnd.state.model.WideDeepModel;
import io.wnd.state.version.TableSink;
import io.wnd.state.version.VersionReader;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code wnd export}: the latest version on the topic into a self-contained model file. */
@Command(name = "export", mixinStandardHelpOptions = true, usageHelpWidth = 110,
    header = "Write the latest version of a model on the models topic to a self-contained model file.",
    description = {"Write the latest version of a model on the models topic to a self-contained model file",
        "(the seed's export_savedmodel): manifest, spec, dense weights and every sparse row.", ""})
final class ExportCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  KafkaOptions kafka;

  @Option(names = "--model", paramLabel = "NAME", defaultValue = "criteo", description = "Model name (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", required = true, description = "The model file to write.")
  Path output;

  @Option(names = "--json", description = "Print one JSON object (model, version, rows, bytes, file).")
  boolean json;

  @Override
  public Integer call() throws Exception {
    ModelFile.checkTarget(output); // before reading the topic: never replaces a file that is not a model
    Cli.requireTopics(kafka);
    TableSink sink = new TableSink();
    try (VersionReader reader = new VersionReader(kafka.clientConfig(), kafka.topics(), model, sink)) {
      if (reader.catchUp(Duration.ofMinutes(10)) == 0) {
        throw new IllegalStateException("no version of model '" + model + "' on " + kafka.topics().name(
            io.wnd.schemas.topics.Topics.MODELS));
      }
    }
    WideDeepModel m = sink.model();
    ModelFile.write(output, sink.version(), m.wide(), m.embeddings());
    PrintWriter out = spec.commandLine().getOut();
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("model", model);
    r.put("version", sink.version().version());
    r.put("rows", sink.rows());
    r.put("bytes", Files.size(output));
    r.put("file", output.toString());
    if (json) {
      Json.print(out, r);
    } else {
      out.printf("exported %s v%d (%,d rows) to %s (%,d bytes)%n", model, sink.version().version(), sink.rows(), output,
          Files.size(output));
      out.flush();
    }
    return 0;
  }
}

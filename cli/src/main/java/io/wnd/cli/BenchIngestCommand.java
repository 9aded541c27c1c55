package io.wnd.cli;

import io.wnd.broker.LocalKafka;
import io.wnd.ingest.Rejects;
import io.wnd.ingest.Row;
import io.wnd.ingest.RowReader;
import io.wnd.ingest.generate.CriteoGenerator;
import io.wnd.ingest.read.CriteoTsvWriter;
import io.wnd.ingest.read.FileRowReader;
import io.wnd.ingest.read.Format;
import io.wnd.ingest.replay.ClickDelay;
import io.wnd.ingest.replay.ReplayOptions;
import io.wnd.ingest.replay.ReplaySummary;
import io.wnd.ingest.replay.Replayer;
import io.wnd.schemas.topics.TopicAdmin;
import io.wnd.schemas.topics.Topics;
import io.wnd.schemas.wire.AvroSerde;
import io.wnd.avro.Impression;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code wnd bench ingest}: replay and generate throughput into a local broker, and where the time goes. */
@Command(name = "ingest", mixinStandardHelpOptions = true, usageHelpWidth = 110,
    description = {"Measure ingest throughput on this machine: a real broker is started in a temporary directory",
        "(or -b names one), N generated rows are written to a Criteo TSV file, then timed: generating, reading +",
        "parsing, + Avro encoding, the full 'wnd replay' into Kafka (rate 0), and 'wnd generate' into Kafka.", ""})
final class BenchIngestCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--rows", paramLabel = "N", defaultValue = "1000000", description = "Rows per phase (default: ${DEFAULT-VALUE}).")
  long rows;

  @Option(names = {"-b", "--bootstrap-servers"}, paramLabel = "HOST:PORT",
      description = "Use this cluster instead of starting a local broker; each replay's topics (bench-replay-<n>.*, "
          + "bench-generate-<n>.*) are deleted when it is done.")
  String bootstrap;

  /** With -b: the client settings (--client-config, -X) of that cluster. */
  @picocli.CommandLine.Mixin
  ClientOptions clientOptions;

  @Option(names = "--json", description = "Print one JSON object with every phase's rows/s.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    clientOptions.requireClusterForSettings(bootstrap);
    PrintWriter out = spec.commandLine().getOut();
    Path dir = Files.createTempDirectory("wnd-bench-");
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("rows", rows);
    try (LocalKafka kafka = bootstrap == null ? LocalKafka.create(dir.resolve("kafka"), 0, 0, Map.of())
        .start(Duration.ofSeconds(60)) : null) {
      String servers = bootstrap != null ? bootstrap : kafka.bootstrapServers();
      Path file = dir.resolve("rows.tsv");

      long t0 = System.nanoTime();
      try (CriteoGenerator g = new CriteoGenerator(1, rows)) {
        while (g.next() != null) {
          // generation alone
        }
      }
      phase(result, out, "generate_only", t0);

      try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8); CriteoGenerator g = new CriteoGenerator(1, rows)) {
        CriteoTsvWriter tsv = new CriteoTsvWriter(w);
        Row r;
        while ((r = g.next()) != null) {
          tsv.write(r);
        }
      }
      result.put("file_bytes", Files.size(file));

      t0 = System.nanoTime();
      try (RowReader reader = FileRowReader.open(file, Format.CRITEO, Rejects.ignore())) {
        while (reader.next() != null) {
          // read and parse alone
        }
      }
      phase(result, out, "read_parse", t0);

      AvroSerde<Impression> serde = Topics.serdes(null).impressions();
      long bytes = 0;
      t0 = System.nanoTime();
      try (RowReader reader = FileRowReader.open(file, Format.CRITEO, Rejects.ignore())) {
        Row r;
        while ((r = reader.next()) != null) {
          bytes += serde.serialize("", new Impression("rows.tsv:" + r.line(), Instant.ofEpochMilli(r.index()), r.features())).length;
        }
      }
      phase(result, out, "read_parse_encode", t0);
      result.put("avro_bytes_per_impression", Math.round(bytes / (double) rows));

      Map<String, Object> client = bootstrap != null ? clientOptions.clientConfig(servers)
          : ClientOptions.localClient(servers);
      result.put("replay_rows_per_second", Math.round(replay(client, "replay", file, null).rowsPerSecond()));
      out.printf("%-24s %,12d rows/s%n", "replay (into Kafka)", result.get("replay_rows_per_second"));
      result.put("generate_rows_per_second", Math.round(replay(client, "generate", null, rows).rowsPerSecond()));
      out.printf("%-24s %,12d rows/s%n", "generate (into Kafka)", result.get("generate_rows_per_second"));
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    if (json) {
      Json.print(out, result);
    }
    return 0;
  }

  private ReplaySummary replay(Map<String, Object> client, String name, Path file, Long generated) throws IOException {
    Topics topics = new Topics("bench-" + name + "-" + System.nanoTime() + ".", 6);
    try (Admin admin = Admin.create(client)) {
      new TopicAdmin(admin, topics, (short) -1).create();
    }
    try {
      return replay(client, topics, name, file, generated);
    } finally {
      if (bootstrap != null) {
        // a cluster of the user's: leave nothing of the run there (a broker of the bench's own is deleted whole)
        BenchCommand.deleteRun(client, topics.prefix(), null, spec.commandLine().getErr());
      }
    }
  }

  private ReplaySummary replay(Map<String, Object> client, Topics topics, String name, Path file, Long generated)
      throws IOException {
    ReplayOptions o = new ReplayOptions(0, 500, System.currentTimeMillis() - Duration.ofHours(24).toMillis(), 0, -1, -1,
        ClickDelay.parse(ClickDelay.DEFAULT), 1, null, false);
    Replayer.Source source = new Replayer.Source() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public RowReader open() throws IOException {
        return file != null ? FileRowReader.open(file, Format.CRITEO, Rejects.ignore()) : new CriteoGenerator(1, generated);
      }
    };
    return new Replayer(client, topics, o).run(List.of(source), () -> 0, (r, i, c, x, t, f) -> { });
  }

  private void phase(Map<String, Object> result, PrintWriter out, String name, long t0) {
    double s = (System.nanoTime() - t0) / 1e9;
    long perSecond = Math.round(rows / s);
    result.put(name + "_rows_per_second", perSecond);
    out.printf("%-24s %,12d rows/s%n", name.replace('_', ' '), perSecond);
    out.flush();
  }
}

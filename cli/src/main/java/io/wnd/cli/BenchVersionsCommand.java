package io.wnd.cli;

import io.wnd.broker.LocalKafka;
import io.wnd.schemas.topics.TopicAdmin;
import io.wnd.schemas.topics.Topics;
import io.wnd.state.store.ModelStore;
import io.wnd.state.version.ModelVersion;
import io.wnd.state.version.SparseDelta;
import io.wnd.state.version.Table;
import io.wnd.state.version.VersionPublisher;
import io.wnd.state.version.VersionReader;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code wnd bench versions}: what a version costs to publish and to apply, on a large model. */
@Command(name = "versions", mixinStandardHelpOptions = true, usageHelpWidth = 110,
    description = {"Measure a version's publish and apply cost: a RocksDB store is loaded with FIELDS x IDS rows in",
        "each table (wide dim 1, embeddings dim DIM) as version 1, then a version changing --changed of the rows is",
        "published through Kafka in one transaction and applied by a reader into that store.", ""})
final class BenchVersionsCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--fields", defaultValue = "26", description = "Fields per table (default: ${DEFAULT-VALUE}).")
  int fields;

  @Option(names = "--ids", defaultValue = "1000000", description = "Ids per field (default: ${DEFAULT-VALUE}).")
  int ids;

  @Option(names = "--dim", defaultValue = "8", description = "Embedding dimension (default: ${DEFAULT-VALUE}).")
  int dim;

  @Option(names = "--changed", defaultValue = "0.01", description = "Share of rows changed (default: ${DEFAULT-VALUE}).")
  double changed;

  @Option(names = "--dense", defaultValue = "35000", description = "Dense weights (default: ${DEFAULT-VALUE}, the seed MLP).")
  int denseSize;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path dir = Files.createTempDirectory("wnd-bench-versions-");
    Map<String, Object> r = new LinkedHashMap<>();
    try (LocalKafka kafka = LocalKafka.create(dir.resolve("kafka"), 0, 0, Map.of()).start(Duration.ofSeconds(60));
        ModelStore store = new ModelStore(dir.resolve("store"), fields, fields, 1_000_000)) {
      Map<String, Object> client = ClientOptions.localClient(kafka.bootstrapServers());
      Topics topics = new Topics("bench.", 1);
      try (Admin admin = Admin.create(client)) {
        new TopicAdmin(admin, topics, (short) 1).create();
      }
      SplittableRandom random = new SplittableRandom(1);
      float[] row = new float[dim];
      long t0 = System.nanoTime();
      for (int f = 0; f < fields; f++) {
        for (int i = 0; i < ids; i++) {
          long id = mix(f, i);
          randomRow(random, row);
          store.stage(Table.EMBEDDING, f, id, row, 0, dim);
          store.stage(Table.WIDE, f, id, row, 0, 1);
        }
        if (!json) {
          out.printf("\rloading version 1: field %d of %d", f + 1, fields);
          out.flush();
        }
      }
      float[] dense = new float[denseSize];
      store.commit(new ModelVersion("bench", 1, 0, System.currentTimeMillis(), 0, Map.of(), Map.of(), "{}", dense, 0));
      double loadSeconds = (System.nanoTime() - t0) / 1e9;
      long rows = 2L * fields * ids;
      r.put("rows", rows);
      r.put("load_rows_per_second", Math.round(rows / loadSeconds));

      SparseDelta wide = new SparseDelta(Table.WIDE, 1);
      SparseDelta emb = new SparseDelta(Table.EMBEDDING, dim);
      for (int f = 0; f < fields; f++) {
        for (int i = 0; i < ids; i++) {
          if (random.nextDouble() < changed) {
            randomRow(random, row);
            wide.put(f, mix(f, i), row, 0);
            emb.put(f, mix(f, i), row, 0);
          }
        }
      }
      r.put("changed_rows", wide.size() + emb.size());
      VersionPublisher.Published p;
      try (VersionPublisher pub = new VersionPublisher(client, topics, "bench-versions")) {
        p = pub.publish(new ModelVersion("bench", 2, 1, System.currentTimeMillis(), 0, Map.of(), Map.of(), "{}", dense, 0),
            List.of(wide, emb), Map.of(), null);
      }
      r.put("publish_ms", p.millis());
      r.put("publish_bytes", p.bytes());
      r.put("publish_bytes_per_row", Math.round(p.bytes() / (double) (wide.size() + emb.size())));
      long a0 = System.nanoTime();
      try (VersionReader reader = new VersionReader(client, topics, "bench", store)) {
        reader.catchUp(Duration.ofMinutes(10));
      }
      r.put("apply_ms", (System.nanoTime() - a0) / 1_000_000);
      r.put("version_in_service", store.version());
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
      }
    }
    if (json) {
      Json.print(out, r);
    } else {
      out.println();
      r.forEach((k, v) -> out.printf("%-24s %s%n", k, v));
    }
    return 0;
  }

  private static long mix(int field, int i) {
    long h = (long) field << 32 | i;
    h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
    return h ^ (h >>> 31);
  }

  private static void randomRow(SplittableRandom random, float[] row) {
    for (int j = 0; j < row.length; j++) {
      row[j] = (float) (random.nextDouble() - 0.5);
    }
  }
}

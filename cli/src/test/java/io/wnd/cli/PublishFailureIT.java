package io.wnd.cli;

import static io.wnd.cli.WndIT.wnd;
import static org.assertj.core.api.Assertions.assertThat;

import io.wnd.avro.LabelledExample;
import io.wnd.avro.ModelRecord;
import io.wnd.avro.SparseBlock;
import io.wnd.broker.LocalKafka;
import io.wnd.broker.junit.KafkaExtension;
import io.wnd.cli.chaos.PublishFault;
import io.wnd.cli.chaos.WndProcess;
import io.wnd.ingest.Row;
import io.wnd.ingest.generate.CriteoGenerator;
import io.wnd.schemas.topics.Topics;
import io.wnd.state.model.WideDeepModel;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.version.Manifests;
import io.wnd.state.version.ModelVersion;
import io.wnd.state.version.SparseDelta;
import io.wnd.state.version.Table;
import io.wnd.state.version.TableSink;
import io.wnd.state.version.VersionInfo;
import io.wnd.state.version.VersionPublisher;
import io.wnd.state.version.VersionReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.LongPredicate;
import java.util.zip.CRC32C;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Publish failures with every app in its own JVM: a trainer halted in the middle of a version's transaction leaves
 * nothing any reader can see, and its successor republishes that version number exactly after the last committed
 * one; a version with a bad checksum is refused by a running scorer with one WARN line, which stays on the previous
 * version.
 */
@ExtendWith(KafkaExtension.class)
class PublishFailureIT {
  private static final int EXAMPLES = 12_000;
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void shouldHideAVersionWhoseTrainerDiedInItsTransactionAndRepublishItAfterARestart(LocalKafka kafka, @TempDir Path dir)
      throws Exception {
    String prefix = "pf" + UUID.randomUUID().toString().substring(0, 6) + ".";
    String b = kafka.bootstrapServers();
    assertThat(wnd("topics", "create", "-b", b, "--topic-prefix", prefix, "--partitions", "3").code()).isZero();
    Topics topics = new Topics(prefix, 3);
    produceExamples(b, topics);

    try (WndProcess scorer = scorer(b, prefix, dir)) {
      int port = scorer.awaitJson(j -> j.has("http_port"), Duration.ofMinutes(3)).get("http_port").asInt();
      // the trainer halts once the manifest of its second version was acknowledged, before the commit
      WndProcess first = trainer(b, prefix, dir, List.of("-X", "interceptor.classes=" + PublishFault.class.getName(),
          "-X", PublishFault.VERSION_CONFIG + "=2", "-X", PublishFault.AFTER_CONFIG + "=manifest"));
      assertThat(first.await(Duration.ofMinutes(3))).as("halted by the fault (log: %s)", first.log())
          .isEqualTo(PublishFault.EXIT_CODE);
      assertThat(first.logLines()).anyMatch(l -> l.contains("fault injected"));

      // the partial version did reach the log: a read_uncommitted reader sees its manifest ...
      assertThat(uncommittedKeys(b, topics)).contains(String.format("criteo/m/%019d", 1), String.format("criteo/m/%019d", 2));
      // ... but no committed reader does: the manifests, a cold reader, the running scorer
      assertThat(Manifests.list(Map.of("bootstrap.servers", b), topics, "criteo")).extracting(VersionInfo::version)
          .containsExactly(1L);
      try (VersionReader cold = new VersionReader(Map.of("bootstrap.servers", b), topics, "criteo", new TableSink())) {
        assertThat(cold.catchUp(Duration.ofMinutes(1))).isEqualTo(1);
      }
      awaitServed(port, v -> v == 1);
      Thread.sleep(3_000);
      assertThat(served(port)).isEqualTo(1);

      // a new trainer fences the dead one's transaction (aborting it), restores v1 and republishes v2 from there
      try (WndProcess second = trainer(b, prefix, dir, List.of())) {
        second.awaitJson(j -> j.path("examples_seen").asLong() >= EXAMPLES, Duration.ofMinutes(3));
      }
      List<VersionInfo> versions = Manifests.list(Map.of("bootstrap.servers", b), topics, "criteo");
      assertThat(versions.size()).isGreaterThanOrEqualTo(3);
      for (int i = 0; i < versions.size(); i++) {
        VersionInfo v = versions.get(i);
        assertThat(v.version()).isEqualTo(i + 1);
        assertThat(v.parent()).isEqualTo(i);
        // examples were written without transactions: offsets count examples exactly
        assertThat(v.consumed().values().stream().mapToLong(Long::longValue).sum()).as("v%d", v.version())
            .isEqualTo(v.examplesSeen());
      }
      assertThat(versions.get(versions.size() - 1).examplesSeen()).isEqualTo(EXAMPLES);
      long latest = versions.get(versions.size() - 1).version();
      awaitServed(port, v -> v == latest);
      assertThat(scorer.logLines()).noneMatch(l -> l.contains("refused"));
    }
  }

  @Test
  void shouldKeepARunningScorerOnThePreviousVersionWhenAVersionHasABadChecksum(LocalKafka kafka, @TempDir Path dir)
      throws Exception {
    String prefix = "bc" + UUID.randomUUID().toString().substring(0, 6) + ".";
    String b = kafka.bootstrapServers();
    assertThat(wnd("topics", "create", "-b", b, "--topic-prefix", prefix, "--partitions", "1").code()).isZero();
    Topics topics = new Topics(prefix, 1);
    FeatureSpec spec = FeatureSpec.builtin("criteo");
    WideDeepModel model = WideDeepModel.create(spec);
    Map<String, Object> client = Map.of("bootstrap.servers", b);
    try (VersionPublisher pub = new VersionPublisher(client, topics, "bad-checksum-it");
        WndProcess scorer = scorer(b, prefix, dir)) {
      pub.publish(version(spec, model, 1, 0), List.of(), Map.of(), null);
      int port = scorer.awaitJson(j -> j.has("http_port"), Duration.ofMinutes(3)).get("http_port").asInt();
      awaitServed(port, v -> v == 1);

      // v2: one sparse record whose checksum does not match its values, then the manifest
      float[] row = {0.5f};
      ByteBuffer values = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, row[0]);
      // the format's checksum (README): CRC-32C of the ids (8 bytes little-endian each), then of the values
      CRC32C crc = new CRC32C();
      crc.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 7L).array());
      crc.update(values.duplicate());
      SparseBlock corrupt = new SparseBlock("criteo", 2L, Table.WIDE.key(), "0", 0, 1, List.of(7L), values,
          crc.getValue() ^ 1);
      try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", b),
          new StringSerializer(), new ByteArraySerializer())) {
        p.send(new ProducerRecord<>(topics.name(Topics.MODELS), "criteo/s/" + Table.WIDE.key() + "/0/" + String.format("%016x", 7L),
            Topics.serdes(null).models().serialize("", new ModelRecord(corrupt)))).get();
      }
      pub.publish(version(spec, model, 2, 1), List.<SparseDelta>of(), Map.of(), null);
      long deadline = System.currentTimeMillis() + 60_000;
      while (scorer.logLines().stream().noneMatch(l -> l.contains("refused criteo v2"))
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(500);
      }
      List<String> refusals = scorer.logLines().stream().filter(l -> l.contains("refused")).toList();
      assertThat(refusals).hasSize(1);
      assertThat(refusals.get(0)).contains("WARN").contains("refused criteo v2").contains("bad checksum")
          .contains("v1 stays in service");
      assertThat(served(port)).isEqualTo(1);

      // the scorer is alive and still follows: a version derived from v1 is taken
      pub.publish(version(spec, model, 3, 1), List.of(), Map.of(), null);
      awaitServed(port, v -> v == 3);
    }
  }

  private static ModelVersion version(FeatureSpec spec, WideDeepModel model, long v, long parent) {
    return new ModelVersion("criteo", v, parent, System.currentTimeMillis(), 0, Map.of(), Map.of(), spec.toJson(),
        model.tower().toFlat(), 0);
  }

  private static void produceExamples(String b, Topics topics) throws Exception {
    var serde = Topics.serdes(null).examples();
    try (var p = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", b), new StringSerializer(),
        new ByteArraySerializer()); CriteoGenerator g = new CriteoGenerator(11, EXAMPLES)) {
      Row r;
      while ((r = g.next()) != null) {
        String id = "g:" + r.line();
        LabelledExample ex = LabelledExample.newBuilder().setImpressionId(id).setLabel(r.label())
            .setImpressionTime(Instant.ofEpochMilli(r.index())).setClickTime(null).setFeatures(r.features()).build();
        p.send(new ProducerRecord<>(topics.name(Topics.EXAMPLES), id, serde.serialize("", ex)));
      }
    }
  }

  private static WndProcess scorer(String b, String prefix, Path dir) throws Exception {
    return WndProcess.start("scorer", dir.resolve("scorer.log"), Map.of(), List.of("-Xmx512m"), List.of("score", "-b", b,
        "--topic-prefix", prefix, "--http-port", "0", "--state-dir", dir.resolve("scorer").toString(), "--application-id",
        "it-" + prefix, "--no-model", "prior", "--json"));
  }

  private static WndProcess trainer(String b, String prefix, Path dir, List<String> extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("train", "-b", b, "--topic-prefix", prefix, "--publish-every-examples",
        "3000", "--publish-every", "60s", "--json"));
    args.addAll(extra);
    return WndProcess.start("trainer", dir.resolve("trainer.log"), Map.of("WND_LOG_LEVEL", "INFO"), List.of("-Xmx1g"), args);
  }

  private static List<String> uncommittedKeys(String b, Topics topics) {
    List<String> keys = new ArrayList<>();
    try (var c = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers", b, "isolation.level", "read_uncommitted"),
        new StringDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topics.name(Topics.MODELS), 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = c.endOffsets(List.of(tp)).get(tp);
      long deadline = System.currentTimeMillis() + 30_000;
      while (c.position(tp) < end && System.currentTimeMillis() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(r -> keys.add(r.key()));
      }
    }
    return keys;
  }

  private long served(int port) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models/criteo"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).get("version").asLong();
  }

  private void awaitServed(int port, LongPredicate ok) throws Exception {
    long deadline = System.currentTimeMillis() + 90_000;
    long v = -1;
    while (System.currentTimeMillis() < deadline) {
      v = served(port);
      if (ok.test(v)) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("the scorer serves v" + v);
  }
}

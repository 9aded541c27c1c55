package io.wnd.cli;

import static io.wnd.cli.WndIT.wnd;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wnd.avro.LabelledExample;
import io.wnd.broker.LocalKafka;
import io.wnd.broker.junit.KafkaExtension;
import io.wnd.ingest.Row;
import io.wnd.ingest.generate.CriteoGenerator;
import io.wnd.schemas.topics.Topics;
import io.wnd.state.version.Manifests;
import io.wnd.state.version.VersionInfo;
import java.io.BufferedReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code wnd train} in its own JVM, killed with SIGKILL mid-stream and restarted: every example trained once. */
@ExtendWith(KafkaExtension.class)
class TrainCommandIT {
  private static final int EXAMPLES = 24_000;
  private final ObjectMapper mapper = new ObjectMapper();
  private int httpPort = -1;

  @Test
  void shouldTrainEveryExampleExactlyOnceAcrossASigkill(LocalKafka kafka) throws Exception {
    String prefix = "tr" + UUID.randomUUID().toString().substring(0, 6) + ".";
    assertThat(wnd("topics", "create", "-b", kafka.bootstrapServers(), "--topic-prefix", prefix, "--partitions", "3")
        .code()).isZero();
    Topics topics = new Topics(prefix, 3);
    var serde = Topics.serdes(null).examples();
    try (var p = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()),
        new StringSerializer(), new ByteArraySerializer()); CriteoGenerator g = new CriteoGenerator(5, EXAMPLES)) {
      Row r;
      while ((r = g.next()) != null) {
        String id = "g:" + r.line();
        LabelledExample ex = LabelledExample.newBuilder().setImpressionId(id).setLabel(r.label())
            .setImpressionTime(Instant.ofEpochMilli(r.index())).setClickTime(null).setFeatures(r.features()).build();
        p.send(new ProducerRecord<>(topics.name(Topics.EXAMPLES), id, serde.serialize("", ex)));
      }
    }

    Process first = train(kafka, prefix, "--http-port", "0");
    long reached = awaitVersion(first, 3, Long.MAX_VALUE);
    // the first trainer serves its metrics (the port from its "running" line)
    HttpResponse<String> scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + httpPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(scrape.statusCode()).isEqualTo(200);
    assertThat(scrape.body()).contains("wnd_trainer_examples_total ").contains("wnd_trainer_versions_published_total ")
        .contains("wnd_trainer_progressive_auc ").contains("wnd_trainer_publish_bytes_count ");
    first.destroyForcibly(); // SIGKILL: possibly in the middle of a version's transaction
    assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(reached).isLessThan(EXAMPLES);

    Process second = train(kafka, prefix);
    try {
      awaitVersion(second, Long.MAX_VALUE, EXAMPLES);
    } finally {
      second.destroy();
      second.waitFor(30, TimeUnit.SECONDS);
    }

    List<VersionInfo> versions = Manifests.list(Map.of("bootstrap.servers", kafka.bootstrapServers()), topics, "criteo");
    assertThat(versions.size()).isGreaterThanOrEqualTo(4);
    for (int i = 0; i < versions.size(); i++) {
      VersionInfo v = versions.get(i);
      assertThat(v.version()).isEqualTo(i + 1);
      assertThat(v.parent()).isEqualTo(i);
      long offsets = v.consumed().values().stream().mapToLong(Long::longValue).sum();
      assertThat(offsets).as("v%d: examples seen = examples consumed (each trained once)", v.version())
          .isEqualTo(v.examplesSeen());
      if (i > 0) {
        VersionInfo prev = versions.get(i - 1);
        assertThat(v.examplesSeen()).isGreaterThan(prev.examplesSeen());
        v.consumed().forEach((partition, off) ->
            assertThat(off).isGreaterThanOrEqualTo(prev.consumed().getOrDefault(partition, 0L)));
      }
    }
    assertThat(versions.get(versions.size() - 1).examplesSeen()).isEqualTo(EXAMPLES);
  }

  private static Process train(LocalKafka kafka, String prefix, String... extra) throws Exception {
    Path log = Files.createTempFile("wnd-train-", ".log");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        Path.of("target", "wnd.jar").toAbsolutePath().toString(), "train", "-b", kafka.bootstrapServers(), "--topic-prefix",
        prefix, "--publish-every-examples", "2048", "--publish-every", "60s", "--json").redirectError(log.toFile());
    pb.command().addAll(List.of(extra));
    pb.environment().put("OMP_NUM_THREADS", "1");
    return pb.start();
  }

  /** Reads the trainer's JSON lines until a version number or an examples count is reached; returns examples seen. */
  private long awaitVersion(Process p, long version, long examples) throws Exception {
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.currentTimeMillis() + 180_000;
    String line;
    while (System.currentTimeMillis() < deadline && (line = r.readLine()) != null) {
      JsonNode j = mapper.readTree(line);
      if (j.has("http_port")) {
        httpPort = j.get("http_port").asInt();
      }
      if (j.has("version") && j.has("examples_seen")) {
        if (j.get("version").asLong() >= version || j.get("examples_seen").asLong() >= examples) {
          return j.get("examples_seen").asLong();
        }
      }
    }
    throw new AssertionError("the trainer did not reach version " + version + " / " + examples + " examples");
  }
}

package io.wnd.cli;

import static io.wnd.cli.WndIT.wnd;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.wnd.avro.LabelledExample;
import io.wnd.broker.LocalKafka;
import io.wnd.broker.junit.KafkaExtension;
import io.wnd.cli.chaos.WndProcess;
import io.wnd.ingest.Row;
import io.wnd.ingest.generate.CriteoGenerator;
import io.wnd.schemas.topics.Topics;
import io.wnd.state.version.Manifests;
import io.wnd.state.version.VersionInfo;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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

    WndProcess first = train(kafka, prefix, "--http-port", "0");
    long reached = awaitVersion(first, 3, Long.MAX_VALUE);
    // the first trainer serves its metrics (the port from its "running" line)
    int httpPort = first.jsonLines().stream().filter(j -> j.has("http_port")).findFirst()
        .orElseThrow(() -> new AssertionError("no http_port line")).get("http_port").asInt();
    HttpResponse<String> scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + httpPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(scrape.statusCode()).isEqualTo(200);
    assertThat(scrape.body()).contains("wnd_trainer_examples_total ").contains("wnd_trainer_versions_published_total ")
        .contains("wnd_trainer_progressive_auc ").contains("wnd_trainer_publish_bytes_count ");
    first.kill(); // SIGKILL: possibly in the middle of a version's transaction
    assertThat(reached).isLessThan(EXAMPLES);

    try (WndProcess second = train(kafka, prefix)) {
      awaitVersion(second, Long.MAX_VALUE, EXAMPLES);
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

  private static WndProcess train(LocalKafka kafka, String prefix, String... extra) throws Exception {
    List<String> args = new java.util.ArrayList<>(List.of("train", "-b", kafka.bootstrapServers(), "--topic-prefix", prefix,
        "--publish-every-examples", "2048", "--publish-every", "60s", "--json"));
    args.addAll(List.of(extra));
    return WndProcess.start("trainer", Files.createTempFile("wnd-train-", ".log"), Map.of(), List.of(), args);
  }

  /** Waits for the trainer's JSON line reaching a version number or an examples count; returns examples seen. */
  private static long awaitVersion(WndProcess p, long version, long examples) throws Exception {
    JsonNode j = p.awaitJson(l -> l.has("version") && l.has("examples_seen")
        && (l.get("version").asLong() >= version || l.get("examples_seen").asLong() >= examples), Duration.ofMinutes(3));
    return j.get("examples_seen").asLong();
  }
}

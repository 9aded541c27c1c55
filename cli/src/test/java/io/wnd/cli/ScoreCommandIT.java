package io.wnd.cli;

import static io.wnd.cli.WndIT.wnd;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.wnd.avro.LabelledExample;
import io.wnd.avro.Score;
import io.wnd.broker.LocalKafka;
import io.wnd.broker.junit.KafkaExtension;
import io.wnd.cli.chaos.WndProcess;
import io.wnd.schemas.topics.Topics;
import io.wnd.state.model.WideDeepModel;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.version.ModelVersion;
import io.wnd.state.version.VersionPublisher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The 10,000 real Kaggle rows replayed through {@code wnd score} running in its own JVM, SIGKILLed mid-stream and
 * restarted: exactly one score and one labelled example per impression, labels equal to the file's, row by row.
 * Generated traffic replayed after the Kaggle rows moves event time on, so every attribution window closes.
 */
@ExtendWith(KafkaExtension.class)
class ScoreCommandIT {

  @Test
  void shouldScoreAndLabelEveryKaggleRowExactlyOnceAcrossASigkill(LocalKafka kafka, @TempDir Path dir) throws Exception {
    Path kaggle = Path.of("..", "..", "shared", "data", "criteo", "kaggle-train-rows-0-9999.tsv");
    assumeTrue(Files.exists(kaggle), "skipped: ../shared/data/criteo is absent");
    String prefix = "sc" + UUID.randomUUID().toString().substring(0, 6) + ".";
    String b = kafka.bootstrapServers();
    assertThat(wnd("topics", "create", "-b", b, "--topic-prefix", prefix, "--partitions", "3").code()).isZero();
    Topics topics = new Topics(prefix, 3);
    publishVersion1(b, topics);
    long t0 = System.currentTimeMillis() - 3_600_000L; // an hour ago: well inside the topics' retention
    Path generated = dir.resolve("after.tsv");
    assertThat(wnd("generate", "--count", "6000", "--seed", "3", "--output", generated.toString()).code()).isZero();
    assertThat(wnd("replay", "-b", b, "--topic-prefix", prefix, "--start-time", Long.toString(t0), "--event-rate", "500",
        "--checkpoint", dir.resolve("cp1").toString(), kaggle.toString()).code()).isZero();
    // 6,000 rows at 5 rows/s of event time: 20 minutes after the Kaggle rows, past every window (10 min + 1 min grace)
    assertThat(wnd("replay", "-b", b, "--topic-prefix", prefix, "--start-time", Long.toString(t0 + 20_000),
        "--event-rate", "5", "--checkpoint", dir.resolve("cp2").toString(), generated.toString()).code()).isZero();

    WndProcess first = score(b, prefix, dir, 1);
    awaitCount(b, topics.name(Topics.SCORES), 3_000, first, "");
    first.kill(); // SIGKILL mid-stream
    // the restarted scorer runs two stream threads: the three partitions' tasks split between them
    try (WndProcess second = score(b, prefix, dir, 2)) {
      assertEveryRowScoredAndLabelledOnce(b, topics, kaggle, second, 16_000, 1);
      assertThat(second.logLines()).as("the second scorer's second stream thread").anyMatch(l -> l.contains("-StreamThread-2"));
    }
  }

  @Test
  void shouldLoseNothingWhenHistoryIsReplayedAsFastAsPossibleIntoARunningScorer(LocalKafka kafka, @TempDir Path dir)
      throws Exception {
    Path kaggle = Path.of("..", "..", "shared", "data", "criteo", "kaggle-train-rows-0-9999.tsv");
    assumeTrue(Files.exists(kaggle), "skipped: ../shared/data/criteo is absent");
    String prefix = "sf" + UUID.randomUUID().toString().substring(0, 6) + ".";
    String b = kafka.bootstrapServers();
    assertThat(wnd("topics", "create", "-b", b, "--topic-prefix", prefix).code()).isZero();
    Topics topics = new Topics(prefix, Topics.DEFAULT_PARTITIONS);
    // no version: the prior (version 0) scores in microseconds, so the scorer keeps up with the replay and reads
    // each partition as it is written
    try (WndProcess scorer = WndProcess.start("scorer", dir.resolve("scorer.log"), Map.of(), List.of(), List.of("score",
        "-b", b, "--topic-prefix", prefix, "--http-port", "0", "--state-dir", dir.resolve("scorer").toString(),
        "--application-id", "it-" + prefix, "--no-model", "prior", "--json"))) {
      // the replay starts once the scorer's tasks are assigned: a backlog read after the fact comes in order
      int port = scorer.awaitJson(j -> j.has("http_port"), Duration.ofSeconds(60)).get("http_port").asInt();
      java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
      String health = "";
      long wait = System.currentTimeMillis() + 60_000;
      while (!health.contains("\"streams\":\"RUNNING\"") && System.currentTimeMillis() < wait) {
        Thread.sleep(200);
        health = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/health"))
            .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      }
      assertThat(health).contains("\"streams\":\"RUNNING\"");
      // 33 minutes of event time (5 rows/s) in a few seconds, while the scorer reads: its clicks partitions are
      // fetched ahead of its impressions partitions, minutes of event time ahead; then a 20-minute generated tail
      long t0 = System.currentTimeMillis() - 2 * 3_600_000L;
      Path generated = dir.resolve("after.tsv");
      assertThat(wnd("generate", "--count", "6000", "--seed", "3", "--output", generated.toString()).code()).isZero();
      assertThat(wnd("replay", "-b", b, "--topic-prefix", prefix, "--start-time", Long.toString(t0), "--event-rate", "5",
          "--checkpoint", dir.resolve("cp1").toString(), kaggle.toString()).code()).isZero();
      assertThat(wnd("replay", "-b", b, "--topic-prefix", prefix, "--start-time", Long.toString(t0 + 2_000_000L),
          "--event-rate", "5", "--checkpoint", dir.resolve("cp2").toString(), generated.toString()).code()).isZero();
      assertEveryRowScoredAndLabelledOnce(b, topics, kaggle, scorer, 16_000, 0);
      assertThat(read(b, topics.name(Topics.DEAD_LETTER))).as("dead letters (expired impressions, orphan clicks)")
          .extracting(ConsumerRecord::key).isEmpty();
    }
  }

  @Test
  void shouldRefuseToStartWithASpecTheVersionInServiceDoesNotFit(LocalKafka kafka, @TempDir Path dir) throws Exception {
    String prefix = "sp" + UUID.randomUUID().toString().substring(0, 6) + ".";
    String b = kafka.bootstrapServers();
    assertThat(wnd("topics", "create", "-b", b, "--topic-prefix", prefix, "--partitions", "1").code()).isZero();
    publishVersion1(b, new Topics(prefix, 1));

    WndIT.Result r = wnd("score", "-b", b, "--topic-prefix", prefix, "--spec", "census", "--model", "criteo",
        "--http-port", "-1", "--state-dir", dir.resolve("scorer").toString());

    assertThat(r.code()).as(r.err()).isEqualTo(1);
    assertThat(r.err()).contains("model criteo v1 does not fit the feature spec 'census'").contains("--spec")
        .doesNotContain("\tat ");
  }

  @Test
  void shouldSayWhyNothingIsScoredWhenItHoldsImpressionsOfAModelWithNoVersion(LocalKafka kafka, @TempDir Path dir)
      throws Exception {
    String prefix = "sh" + UUID.randomUUID().toString().substring(0, 6) + ".";
    String b = kafka.bootstrapServers();
    assertThat(wnd("topics", "create", "-b", b, "--topic-prefix", prefix, "--partitions", "1").code()).isZero();
    try (WndProcess scorer = WndProcess.start("scorer", dir.resolve("scorer.log"), Map.of(), List.of(), List.of("score",
        "-b", b, "--topic-prefix", prefix, "--http-port", "-1", "--state-dir", dir.resolve("scorer").toString(),
        "--application-id", "it-" + prefix))) {
      long wait = System.currentTimeMillis() + 90_000;
      while (scorer.logLines().stream().noneMatch(l -> l.startsWith("[stdout] scorer running"))
          && System.currentTimeMillis() < wait) {
        Thread.sleep(200);
      }
      List<String> log = scorer.logLines();
      assertThat(log).as("log").anyMatch(l -> l.startsWith("[stdout] scorer running (model criteo, no version yet: "
          + "impressions are held until one is published)"));
      assertThat(log).anyMatch(l -> l.startsWith("wnd score: no version of model criteo on " + prefix + "models yet")
          && l.contains("run the scorer with --no-model prior"));
    }
  }

  private static void publishVersion1(String b, Topics topics) {
    FeatureSpec spec = FeatureSpec.builtin("criteo");
    WideDeepModel model = WideDeepModel.create(spec);
    model.tower().setBias(-1.2f);
    try (VersionPublisher pub = new VersionPublisher(Map.of("bootstrap.servers", b), topics, "score-it-" + topics.prefix())) {
      pub.publish(new ModelVersion("criteo", 1, 0, 1L, 0, Map.of(), Map.of(), spec.toJson(), model.tower().toFlat(), 0),
          List.of(), Map.of(), null);
    }
  }

  /**
   * Waits for every Kaggle row's example and for {@code totalScores} scores, then checks: one score and one example
   * per impression, every row scored with {@code version}, every label the file's.
   */
  private static void assertEveryRowScoredAndLabelledOnce(String b, Topics topics, Path kaggle, WndProcess scorer,
      int totalScores, long version) throws Exception {
    // every Kaggle impression's window closes; the last ~11 minutes of the generated tail stay open
    awaitCount(b, topics.name(Topics.EXAMPLES), 10_000, scorer, kaggle.getFileName() + ":");
    awaitCount(b, topics.name(Topics.SCORES), totalScores, scorer, "");
    Map<String, Score> scores = scores(b, topics);
    Map<String, LabelledExample> examples = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : read(b, topics.name(Topics.EXAMPLES))) {
      LabelledExample ex = Topics.serdes(null).examples().deserialize("", r.value());
      if (!ex.getImpressionId().startsWith(kaggle.getFileName() + ":")) {
        continue;
      }
      assertThat(examples.put(ex.getImpressionId(), ex)).as("one example per impression: %s", ex.getImpressionId()).isNull();
    }
    assertThat(scores).hasSize(totalScores);
    List<String> lines = Files.readAllLines(kaggle);
    for (int i = 0; i < lines.size(); i++) {
      String id = kaggle.getFileName() + ":" + (i + 1);
      assertThat(scores.get(id)).as(id).isNotNull();
      assertThat(scores.get(id).getVersion()).isEqualTo(version);
      LabelledExample ex = examples.get(id);
      assertThat(ex).as("example of %s", id).isNotNull();
      assertThat(ex.getLabel()).as("label of row %d", i + 1).isEqualTo(Integer.parseInt(lines.get(i).substring(0, 1)));
      assertThat(ex.getServedVersion()).isEqualTo(version);
    }
  }

  private static WndProcess score(String bootstrap, String prefix, Path dir, int threads, String... more) throws Exception {
    List<String> args = new ArrayList<>(List.of("score", "-b", bootstrap, "--topic-prefix", prefix, "--http-port", "-1",
        "--state-dir", dir.resolve("scorer").toString(), "--application-id", "it-" + prefix, "--threads",
        Integer.toString(threads)));
    args.addAll(List.of(more));
    return WndProcess.start("scorer", dir.resolve("scorer.log"), Map.of("WND_LOG_LEVEL", "INFO"), List.of(), args);
  }

  private static void awaitCount(String bootstrap, String topic, int n, WndProcess p, String keyPrefix) throws Exception {
    long deadline = System.currentTimeMillis() + 150_000;
    while (System.currentTimeMillis() < deadline) {
      assertThat(p.alive()).as("the scorer is running (log: %s)", p.log()).isTrue();
      if (read(bootstrap, topic).stream().filter(r -> r.key() != null && r.key().startsWith(keyPrefix)).count() >= n) {
        return;
      }
      Thread.sleep(1_000);
    }
    throw new AssertionError(topic + " did not reach " + n + " records with key prefix '" + keyPrefix + "': "
        + read(bootstrap, topic).stream().filter(r -> r.key() != null && r.key().startsWith(keyPrefix)).count());
  }

  private static Map<String, Score> scores(String bootstrap, Topics topics) {
    Map<String, Score> out = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : read(bootstrap, topics.name(Topics.SCORES))) {
      Score s = Topics.serdes(null).scores().deserialize("", r.value());
      assertThat(out.put(s.getImpressionId(), s)).as("one score per impression: %s", s.getImpressionId()).isNull();
    }
    return out;
  }

  /** Everything committed on a topic right now. */
  private static List<ConsumerRecord<String, byte[]>> read(String bootstrap, String topic) {
    Map<String, Object> cfg = Map.of("bootstrap.servers", bootstrap, "isolation.level", "read_committed");
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (var c = new KafkaConsumer<>(cfg, new StringDeserializer(), new ByteArrayDeserializer())) {
      var parts = c.partitionsFor(topic).stream()
          .map(i -> new org.apache.kafka.common.TopicPartition(topic, i.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<org.apache.kafka.common.TopicPartition, Long> end = c.endOffsets(parts);
      long deadline = System.currentTimeMillis() + 30_000;
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.currentTimeMillis() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }
}

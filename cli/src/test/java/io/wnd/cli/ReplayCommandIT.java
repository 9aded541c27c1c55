package io.wnd.cli;

import static io.wnd.cli.WndIT.wnd;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wnd.broker.LocalKafka;
import io.wnd.broker.junit.KafkaExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(KafkaExtension.class)
class ReplayCommandIT {
  private final ObjectMapper mapper = new ObjectMapper();

  @Test
  void shouldReplayAFilePrintAJsonSummaryAndWriteRejects(LocalKafka kafka, @TempDir Path dir) throws Exception {
    Path adult = Path.of("..", "..", "shared", "data", "adult", "adult.test");
    assumeTrue(Files.exists(adult), "skipped: ../shared/data/adult is absent");
    // the real file, then a file with two bad lines around a good one
    List<String> first = Files.readAllLines(adult).subList(0, 3);
    Path mixed = Files.write(dir.resolve("mixed.data"), List.of(first.get(0), "39, State-gov, not-a-number",
        first.get(1), "40, Private, 1, Bachelors, 13, x, y, z, w, Male, 0, 0, forty, US, <=50K"));
    String prefix = "rc" + UUID.randomUUID().toString().substring(0, 6) + ".";
    assertThat(wnd("topics", "create", "-b", kafka.bootstrapServers(), "--topic-prefix", prefix).code()).isZero();

    Path rejects = dir.resolve("rejects.tsv");
    WndIT.Result r = wnd("replay", "-b", kafka.bootstrapServers(), "--topic-prefix", prefix, "--json", "--format", "adult",
        "--rejects", rejects.toString(), "--checkpoint", dir.resolve("cp").toString(), adult.toString(), mixed.toString());
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode json = mapper.readTree(r.lastLine());
    long lines = Files.readAllLines(adult).stream().filter(l -> !l.isBlank()).count();
    assertThat(json.get("rows").asLong()).isEqualTo(lines + 2);
    assertThat(json.get("impressions").asLong()).isEqualTo(lines + 2);
    assertThat(json.get("rejected").asLong()).isEqualTo(2);
    assertThat(json.get("completed").asBoolean()).isTrue();
    assertThat(r.err()).contains("rejected mixed.data:2: expected 15 columns, found 3")
        .contains("rejected mixed.data:4: hours_per_week is not an integer: 'forty'");
    assertThat(Files.readAllLines(rejects, StandardCharsets.UTF_8)).hasSize(3)
        .element(1).asString().startsWith("mixed.data\t2\texpected 15 columns, found 3\t");
  }

  @Test
  void shouldResumeAStoppedReplayWithTheDefaultStartTimeAndRefuseAStartTheBrokerWouldDelete(LocalKafka kafka,
      @TempDir Path dir) throws Exception {
    Path adult = Path.of("..", "..", "shared", "data", "adult", "adult.test");
    assumeTrue(Files.exists(adult), "skipped: ../shared/data/adult is absent");
    Path file = Files.write(dir.resolve("a.data"), Files.readAllLines(adult).subList(1, 31));
    String prefix = "rs" + UUID.randomUUID().toString().substring(0, 6) + ".";
    String b = kafka.bootstrapServers();
    assertThat(wnd("topics", "create", "-b", b, "--topic-prefix", prefix).code()).isZero();
    Path cp = dir.resolve("cp");

    WndIT.Result old = wnd("replay", "-b", b, "--topic-prefix", prefix, "--format", "adult", "--checkpoint",
        cp.toString(), "--start-time", "2023-11-14T00:00:00Z", file.toString());
    assertThat(old.code()).isEqualTo(1);
    assertThat(old.err()).startsWith("wnd replay: error: the replay's first event time 2023-11-14T00:00:00Z (row 1) "
        + "is older than [" + prefix + "impressions (retention.ms 604800000 = PT168H)").doesNotContain("\tat ");

    // the first 10 rows with the default start, then a checkpoint as Ctrl-C leaves it: 10 rows done, not complete
    WndIT.Result first = wnd("replay", "-b", b, "--topic-prefix", prefix, "--format", "adult", "--checkpoint",
        cp.toString(), "--limit", "10", "--json", file.toString());
    assertThat(first.code()).as(first.err()).isZero();
    com.fasterxml.jackson.databind.node.ObjectNode saved = (com.fasterxml.jackson.databind.node.ObjectNode) mapper
        .readTree(cp.toFile());
    assertThat(saved.get("nextRow").asLong()).isEqualTo(10);
    long start = saved.get("startTimeMillis").asLong();
    assertThat(start).isBetween(System.currentTimeMillis() - 25 * 3_600_000L, System.currentTimeMillis());
    saved.put("completed", false);
    mapper.writeValue(cp.toFile(), saved);
    Thread.sleep(5); // a default start computed again would differ from the checkpoint's

    WndIT.Result rest = wnd("replay", "-b", b, "--topic-prefix", prefix, "--format", "adult", "--checkpoint",
        cp.toString(), "--resume", "--json", file.toString());
    assertThat(rest.code()).as(rest.err()).isZero();
    assertThat(mapper.readTree(rest.lastLine()).get("rows").asLong()).isEqualTo(20);
    assertThat(mapper.readTree(cp.toFile()).get("startTimeMillis").asLong()).isEqualTo(start);
  }

  @Test
  void shouldFailWithOneLineOnAMissingFileOrABrokenGzip(LocalKafka kafka, @TempDir Path dir) throws Exception {
    WndIT.Result missing = wnd("replay", "-b", kafka.bootstrapServers(), dir.resolve("nope.tsv").toString());
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).startsWith("wnd replay: error: ").contains("nope.tsv: no such file").doesNotContain("\tat ");

    Path broken = Files.write(dir.resolve("broken.tsv.gz"), new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2});
    WndIT.Result noTopics = wnd("replay", "-b", kafka.bootstrapServers(), "--topic-prefix", "absent.", "--format", "criteo",
        broken.toString());
    assertThat(noTopics.code()).isEqualTo(1);
    assertThat(noTopics.err()).contains("do not exist").contains("./wnd topics create");

    String prefix = "gz" + UUID.randomUUID().toString().substring(0, 6) + ".";
    assertThat(wnd("topics", "create", "-b", kafka.bootstrapServers(), "--topic-prefix", prefix).code()).isZero();
    WndIT.Result gz = wnd("replay", "-b", kafka.bootstrapServers(), "--topic-prefix", prefix, "--format", "criteo",
        "--checkpoint", dir.resolve("cp").toString(), broken.toString());
    assertThat(gz.code()).isEqualTo(1);
    assertThat(gz.err()).contains("broken gzip").doesNotContain("\tat ");

    // a gzip file cut off after rows were sent: the checkpoint says how far, and a resume goes on from there
    Path kaggle = Path.of("..", "..", "shared", "data", "criteo", "kaggle-train-rows-0-9999.tsv");
    if (Files.exists(kaggle)) {
      java.io.ByteArrayOutputStream whole = new java.io.ByteArrayOutputStream();
      try (var out = new java.util.zip.GZIPOutputStream(whole)) {
        out.write(String.join("\n", Files.readAllLines(kaggle).subList(0, 3_000)).getBytes(StandardCharsets.UTF_8));
      }
      byte[] bytes = whole.toByteArray();
      Path cut = Files.write(dir.resolve("cut.tsv.gz"), java.util.Arrays.copyOf(bytes, bytes.length * 2 / 3));
      Path cp = dir.resolve("cut-cp");
      WndIT.Result cutOff = wnd("replay", "-b", kafka.bootstrapServers(), "--topic-prefix", prefix, "--checkpoint",
          cp.toString(), cut.toString());
      assertThat(cutOff.code()).isEqualTo(1);
      assertThat(cutOff.err()).contains("broken gzip after line").contains("--resume goes on from there");
      assertThat(io.wnd.ingest.replay.Checkpoint.read(cp).nextRow()).isPositive();
    }

    WndIT.Result usage = wnd("replay", "-b", kafka.bootstrapServers(), "--click-delay", "gauss:1s", broken.toString());
    assertThat(usage.code()).isEqualTo(2);
    assertThat(usage.err()).contains("use exp:MEAN[:CAP]");
  }
  @Test
  void shouldSayWhereToResumeWhenTheClusterGoesAway(@TempDir Path dir) throws Exception {
    Path kaggle = Path.of("..", "..", "shared", "data", "criteo", "kaggle-train-rows-0-9999.tsv");
    assumeTrue(Files.exists(kaggle), "skipped: ../shared/data/criteo is absent");
    LocalKafka broker = LocalKafka.create(dir.resolve("kafka"), 0, 0, java.util.Map.of())
        .start(java.time.Duration.ofMinutes(2));
    try {
      String b = broker.bootstrapServers();
      String prefix = "rg" + UUID.randomUUID().toString().substring(0, 6) + ".";
      assertThat(wnd("topics", "create", "-b", b, "--topic-prefix", prefix, "--partitions", "1").code()).isZero();
      Path checkpoint = dir.resolve("cp.json");
      try (io.wnd.cli.chaos.WndProcess replay = io.wnd.cli.chaos.WndProcess.start("replay", dir.resolve("replay.log"),
          java.util.Map.of(), List.of(), List.of("replay", "-b", b, "--topic-prefix", prefix, "--rate", "500",
              "--checkpoint", checkpoint.toString(), "--json", kaggle.toString()))) {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!Files.exists(checkpoint) && System.currentTimeMillis() < deadline) {
          Thread.sleep(100);
        }
        broker.close();
        int code = replay.await(java.time.Duration.ofSeconds(120));
        String log = Files.readString(replay.log());
        assertThat(code).as(log).isEqualTo(1);
        List<JsonNode> json = replay.jsonLines();
        assertThat(json).as(log).isNotEmpty();
        JsonNode last = json.get(json.size() - 1);
        assertThat(last.get("completed").asBoolean()).isFalse();
        assertThat(last.get("next_row").asLong()).isPositive();
        assertThat(log).contains("run the same command with --resume once the cluster answers");
      }
    } finally {
      broker.close();
    }
  }
}

package io.wnd.cli;

import static io.wnd.cli.WndIT.wnd;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.wnd.broker.LocalKafka;
import io.wnd.broker.junit.KafkaExtension;
import io.wnd.cli.chaos.WndProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Long-running commands stopped by a signal, each in its own JVM as a user runs it: the summary their {@code --help}
 * promises is printed before the JVM exits, as the last line of stdout under {@code --json}.
 */
@ExtendWith(KafkaExtension.class)
class StopSummaryIT {

  @Test
  void shouldPrintTheReplaysAndTheTrainersSummaryWhenStoppedBySigterm(LocalKafka kafka, @TempDir Path dir)
      throws Exception {
    String prefix = "ss" + UUID.randomUUID().toString().substring(0, 6) + ".";
    String b = kafka.bootstrapServers();
    assertThat(wnd("topics", "create", "-b", b, "--topic-prefix", prefix, "--partitions", "1").code()).isZero();
    Path rows = dir.resolve("rows.tsv");
    assertThat(wnd("generate", "--count", "20000", "--seed", "5", "--output", rows.toString()).code()).isZero();

    // a paced replay, stopped a few checkpoints in
    Path checkpoint = dir.resolve("cp");
    try (WndProcess replay = WndProcess.start("replay", dir.resolve("replay.log"), Map.of(), List.of(), List.of("replay",
        "-b", b, "--topic-prefix", prefix, "--rate", "1000", "--checkpoint", checkpoint.toString(), "--json",
        rows.toString()))) {
      long deadline = System.currentTimeMillis() + 60_000;
      while (!Files.exists(checkpoint) && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      Thread.sleep(1_500);
      int code = replay.stop(Duration.ofSeconds(60));
      List<JsonNode> json = replay.jsonLines();
      assertThat(json).as("the replay's summary (exit %d, log: %s)", code, Files.readString(replay.log())).isNotEmpty();
      assertThat(code).as("exit code").isIn(130, 143);
      JsonNode summary = json.get(json.size() - 1);
      assertThat(summary.get("completed").asBoolean()).isFalse();
      assertThat(summary.get("rows").asLong()).isBetween(1L, 19_999L);
      assertThat(summary.get("next_row").asLong()).isEqualTo(summary.get("rows").asLong());
    }

    // the trainer, stopped once it runs
    try (WndProcess train = WndProcess.start("train", dir.resolve("train.log"), Map.of(), List.of(), List.of("train",
        "-b", b, "--topic-prefix", prefix, "--http-port", "0", "--json"))) {
      train.awaitJson(j -> j.has("state"), Duration.ofMinutes(2));
      assertThat(train.stop(Duration.ofSeconds(60))).as("exit code (log: %s)", train.log()).isIn(0, 130, 143);
      List<JsonNode> json = train.jsonLines();
      JsonNode summary = json.get(json.size() - 1);
      assertThat(summary.has("versions_published")).as("the trainer's summary, last (log: %s)",
          Files.readString(train.log())).isTrue();
      assertThat(summary.get("examples_trained").asLong()).isZero();
      assertThat(summary.get("model").asText()).isEqualTo("criteo");
    }
  }
  @Test
  void shouldPrintWhatFitTrainedAndExportNothingWhenStoppedBySigterm(@TempDir Path dir) throws Exception {
    Path kaggle = Path.of("..", "..", "shared", "data", "criteo", "kaggle-train-rows-0-9999.tsv");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(kaggle), "skipped: ../shared/data/criteo is absent");
    Path model = dir.resolve("m.wndmodel");
    try (WndProcess fit = WndProcess.start("fit", dir.resolve("fit.log"), Map.of(), List.of(), List.of("fit",
        "--input", kaggle.toString(), "--epochs", "1000", "--export", model.toString(), "--rejects",
        dir.resolve("r.tsv").toString(), "--json"))) {
      // the progress line on stderr (every 10 s): training is under way
      long deadline = System.currentTimeMillis() + 120_000;
      while (fit.logLines().stream().noneMatch(l -> l.startsWith("fit: epoch")) && System.currentTimeMillis() < deadline) {
        Thread.sleep(200);
      }
      int code = fit.stop(Duration.ofSeconds(60));
      List<JsonNode> json = fit.jsonLines();
      assertThat(json).as("fit's summary (exit %d, log: %s)", code, Files.readString(fit.log())).isNotEmpty();
      assertThat(code).as("exit code").isIn(130, 143);
      JsonNode summary = json.get(json.size() - 1);
      assertThat(summary.get("completed").asBoolean()).isFalse();
      assertThat(summary.get("examples").asLong()).isPositive();
      assertThat(summary.get("epochs").get(0).get("progressive").asBoolean()).isTrue();
      assertThat(summary.has("export")).isFalse();
      assertThat(model).doesNotExist();
    }
  }
  @Test
  void shouldLeaveAWholeGzipFileAndItsSummaryWhenGenerateIsStopped(@TempDir Path dir) throws Exception {
    Path gz = dir.resolve("big.tsv.gz");
    try (WndProcess gen = WndProcess.start("generate", dir.resolve("generate.log"), Map.of(), List.of(), List.of(
        "generate", "--count", "500000000", "--output", gz.toString(), "--json"))) {
      long deadline = System.currentTimeMillis() + 60_000;
      while ((!Files.exists(gz) || Files.size(gz) < 100_000) && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      int code = gen.stop(Duration.ofSeconds(60));
      List<JsonNode> json = gen.jsonLines();
      assertThat(json).as("generate's summary (exit %d, log: %s)", code, Files.readString(gen.log())).isNotEmpty();
      assertThat(code).isIn(130, 143);
      JsonNode summary = json.get(json.size() - 1);
      assertThat(summary.get("completed").asBoolean()).isFalse();
      long lines;
      try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(new java.util.zip.GZIPInputStream(
          Files.newInputStream(gz)), java.nio.charset.StandardCharsets.UTF_8))) {
        lines = in.lines().count(); // throws on a gzip stream that was cut off
      }
      assertThat(lines).isEqualTo(summary.get("rows").asLong()).isPositive();
    }
  }
}

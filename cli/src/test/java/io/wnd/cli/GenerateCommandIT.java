package io.wnd.cli;

import static io.wnd.cli.WndIT.wnd;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wnd.broker.LocalKafka;
import io.wnd.broker.junit.KafkaExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(KafkaExtension.class)
class GenerateCommandIT {
  private final ObjectMapper mapper = new ObjectMapper();

  @Test
  void shouldWriteTheSameTsvForTheSameSeedAndReplayItBack(LocalKafka kafka, @TempDir Path dir) throws Exception {
    Path a = dir.resolve("a.tsv");
    Path b = dir.resolve("b.tsv");
    Path c = dir.resolve("c.tsv");
    assertThat(wnd("generate", "--count", "5000", "--seed", "7", "--output", a.toString()).code()).isZero();
    assertThat(wnd("generate", "--count", "5000", "--seed", "7", "--output", b.toString()).code()).isZero();
    assertThat(wnd("generate", "--count", "5000", "--seed", "8", "--output", c.toString()).code()).isZero();
    assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b)).isNotEqualTo(Files.readAllBytes(c));
    long positives = Files.readAllLines(a).stream().filter(l -> l.startsWith("1\t")).count();

    String prefix = "gen" + UUID.randomUUID().toString().substring(0, 6) + ".";
    assertThat(wnd("topics", "create", "-b", kafka.bootstrapServers(), "--topic-prefix", prefix).code()).isZero();
    WndIT.Result replay = wnd("replay", "-b", kafka.bootstrapServers(), "--topic-prefix", prefix, "--json",
        "--checkpoint", dir.resolve("cp").toString(), a.toString());
    JsonNode r = mapper.readTree(replay.lastLine());
    assertThat(r.get("rows").asLong()).isEqualTo(5000);
    assertThat(r.get("rejected").asLong()).isZero();
    assertThat(r.get("clicks").asLong()).isEqualTo(positives);
  }

  @Test
  void shouldProduceAndReportTheGroundTruthsQuality(LocalKafka kafka) throws Exception {
    String prefix = "gk" + UUID.randomUUID().toString().substring(0, 6) + ".";
    assertThat(wnd("topics", "create", "-b", kafka.bootstrapServers(), "--topic-prefix", prefix).code()).isZero();
    WndIT.Result g = wnd("generate", "-b", kafka.bootstrapServers(), "--topic-prefix", prefix, "--count", "20000",
        "--rate", "0", "--json");
    assertThat(g.code()).as(g.err()).isZero();
    JsonNode j = mapper.readTree(g.lastLine());
    assertThat(j.get("impressions").asLong()).isEqualTo(20_000);
    double rate = j.get("click_rate").asDouble();
    assertThat(j.get("clicks").asLong()).isEqualTo(Math.round(rate * 20_000));
    // the constant-rate predictor's log loss, computed here: the ground truth must beat it
    double constant = -(rate * Math.log(rate) + (1 - rate) * Math.log(1 - rate));
    assertThat(j.get("ground_truth_logloss").asDouble()).isLessThan(constant);
    assertThat(j.get("ground_truth_auc").asDouble()).isGreaterThan(0.7);

    // run again with the same seed: new impressions, not the same ids (which a scorer drops as duplicates)
    WndIT.Result again = wnd("generate", "-b", kafka.bootstrapServers(), "--topic-prefix", prefix, "--count", "1000",
        "--rate", "0", "--json");
    assertThat(again.code()).as(again.err()).isZero();
    java.util.Set<String> ids = new java.util.HashSet<>();
    long records = 0;
    try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]>(java.util.Map.of(
        "bootstrap.servers", kafka.bootstrapServers()), new org.apache.kafka.common.serialization.StringDeserializer(),
        new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
      var parts = consumer.partitionsFor(prefix + "impressions").stream()
          .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      long deadline = System.currentTimeMillis() + 60_000;
      while (records < 21_000 && System.currentTimeMillis() < deadline) {
        for (var r : consumer.poll(java.time.Duration.ofMillis(500))) {
          records++;
          ids.add(r.key());
        }
      }
    }
    assertThat(records).isEqualTo(21_000);
    assertThat(ids).hasSize(21_000);

    WndIT.Result bad = wnd("generate", "--spec", "census", "--output", "/tmp/x.tsv");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("only 'criteo' traffic can be generated");
  }
  @Test
  void shouldStopAtTheCountOrTheDurationWhicheverComesFirst(@TempDir Path dir) throws Exception {
    Path few = dir.resolve("few.tsv");
    Path many = dir.resolve("many.tsv");

    WndIT.Result byCount = wnd("generate", "--count", "300", "--duration", "1h", "--output", few.toString(), "--json");
    WndIT.Result byTime = wnd("generate", "--count", "2000000000", "--duration", "1s", "--output", many.toString(),
        "--json");

    assertThat(byCount.code()).as(byCount.err()).isZero();
    assertThat(Files.readAllLines(few)).hasSize(300);
    assertThat(byTime.code()).as(byTime.err()).isZero();
    long rows = mapper.readTree(byTime.lastLine()).get("impressions").asLong();
    assertThat(rows).isPositive().isLessThan(2_000_000_000L);
    try (var lines = Files.lines(many)) {
      assertThat(lines.count()).isEqualTo(rows);
    }
  }
}

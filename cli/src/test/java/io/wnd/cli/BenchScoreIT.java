package io.wnd.cli;

import static io.wnd.cli.WndIT.wnd;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wnd.broker.LocalKafka;
import io.wnd.broker.junit.KafkaExtension;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code wnd bench score} at a tiny size, so the command cannot rot: every phase runs against the real scorer on a
 * real broker and its JSON carries the figures. Speeds are not checked here (they are what the command reports).
 */
class BenchScoreIT {

  @Test
  void shouldScoreEveryImpressionOfEveryPhaseAndReportTheFigures() throws Exception {
    WndIT.Result r = wnd("bench", "score", "--warmup-events", "2000", "--events", "2000", "--duration", "4s", "--swap-every", "1s",
        "--train-examples", "2000", "--rate", "300", "--partitions", "2", "--json");
    assertThat(r.code()).as(r.err()).isZero();
    String[] lines = r.out().strip().split("\n");
    JsonNode j = new ObjectMapper().readTree(lines[lines.length - 1]);
    JsonNode s = j.get("specs").get(0);
    assertThat(s.get("spec").asText()).isEqualTo("criteo");
    assertThat(s.get("model_rows").asLong()).isPositive();
    assertThat(s.get("throughput_per_s").asLong()).isPositive();
    assertThat(s.get("throughput_cold_per_s").asLong()).isPositive();
    // measured over the --events after the warm-up ones (the monitor may see more than the warm-up's at once)
    assertThat(s.get("throughput_warmup_scores").asLong()).isBetween(2000L, 3999L);
    assertThat(s.get("throughput_scores").asLong() + s.get("throughput_warmup_scores").asLong()).isEqualTo(4000);
    // the stream threads' CPU is part of the process's
    assertThat(s.get("throughput_stream_thread_cpu_us_per_score").asDouble()).isPositive()
        .isLessThanOrEqualTo(s.get("throughput_process_cpu_us_per_score").asDouble());
    // a score allocates something (a Score, a Scored) and less than a megabyte
    assertThat(s.get("throughput_stream_thread_allocated_bytes_per_score").asLong()).isBetween(100L, 1_000_000L);
    // the backlog spans 40 s of event time and the window is 5 s: windows closed while it drained
    assertThat(s.get("attribution_window_ms").asLong()).isEqualTo(5000);
    assertThat(s.get("throughput_negatives").asLong()).isPositive();
    assertThat(s.get("throughput_late_clicks").asLong()).isNotNegative();
    for (String phase : new String[] {"steady", "swapping"}) {
      JsonNode p = s.get(phase);
      assertThat(p.get("impressions").asLong()).isGreaterThan(0);
      // every impression produced in the phase was scored in it, once
      assertThat(p.get("scores").asLong()).as(phase).isEqualTo(p.get("impressions").asLong());
      assertThat(p.get("p50_ms").asLong()).isLessThanOrEqualTo(p.get("p99_ms").asLong());
      assertThat(p.get("p99_ms").asLong()).isLessThanOrEqualTo(p.get("p999_ms").asLong());
      assertThat(p.get("stream_thread").get("poll_latency_max_ms").isNumber()).as(phase).isTrue();
      assertThat(p.get("stream_thread").get("commit_latency_max_ms").isNumber()).as(phase).isTrue();
      assertThat(p.get("row_cache_misses").asLong()).as(phase).isNotNegative();
      assertThat(p.get("process_cpu_us_per_score").asDouble()).as(phase).isPositive();
      // CPU time over wall time: no more than the machine's cores (a little slack for the clocks' edges)
      assertThat(p.get("process_cores_busy").asDouble()).as(phase).isPositive()
          .isLessThanOrEqualTo(j.get("cores").asInt() + 0.25);
      assertThat(p.get("cpu_us_per_score_by_thread").has("wnd-bench-replay")).as(phase + ": the paced producer, "
          + "whose thread has ended by the time the phase is reported").isTrue();
    }
    assertThat(s.get("swapping").get("versions_applied").asLong()).isGreaterThanOrEqualTo(2);
    assertThat(s.get("row_cache_rows").asLong()).isPositive();
    // the paced producer takes Kafka's default linger.ms and compression.type unless told otherwise
    assertThat(s.get("producer_linger_ms").asInt()).isEqualTo(5);
    assertThat(s.get("producer_compression").asText()).isEqualTo("none");
    assertThat(s.get("swapping").get("rows_changed_per_version").asLong()).isPositive();
    assertThat(j.get("heap").get("max_mb").asLong()).isPositive();
    assertThat(j.get("heap").has("fixed")).isTrue();
  }

  @Test
  @ExtendWith(KafkaExtension.class)
  void shouldMeasureOnTheClusterThatBootstrapServersNamesAndLeaveNothingOfTheRunThere(LocalKafka kafka)
      throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      Set<String> topicsBefore = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      WndIT.Result r = wnd("bench", "score", "-b", kafka.bootstrapServers(), "-X", "request.timeout.ms=20000",
          "--warmup-events", "0", "--events", "2000", "--settle", "0s", "--duration", "3s", "--swap-every", "1s",
          "--train-examples", "2000", "--rate", "300", "--partitions", "2", "--producer-compression", "lz4",
          "--producer-linger-ms", "1", "--json");
      assertThat(r.code()).as(r.err()).isZero();
      JsonNode s = new ObjectMapper().readTree(r.lastLine()).get("specs").get(0);
      assertThat(s.get("broker").asText()).isEqualTo("external: " + kafka.bootstrapServers());
      assertThat(s.get("producer_compression").asText()).isEqualTo("lz4");
      assertThat(s.get("producer_linger_ms").asInt()).isEqualTo(1);
      String prefix = s.get("topic_prefix").asText();
      assertThat(prefix).matches("bench-score-[0-9]{8}-[0-9]{6}-[0-9a-f]{4}-criteo\\.");
      assertThat(s.get("throughput_scores").asLong() + s.get("throughput_warmup_scores").asLong()).isEqualTo(2000);
      for (String phase : new String[] {"steady", "swapping"}) {
        JsonNode p = s.get(phase);
        assertThat(p.get("impressions").asLong()).as(phase).isPositive();
        assertThat(p.get("scores").asLong()).as(phase).isEqualTo(p.get("impressions").asLong());
        // the scorer's threads are grouped under names that do not change from run to run
        assertThat(p.get("cpu_us_per_score_by_thread").fieldNames()).toIterable()
            .anyMatch(g -> g.startsWith("<run>-criteo-scorer-<uuid>-StreamThread-N"));
      }
      // the run's topics, the scorer's internal ones (changelogs) and its consumer group are gone
      String run = prefix.substring(0, prefix.length() - 1);
      assertThat(r.err()).contains("deleted this run's");
      assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).as("topics after the run")
          .isEqualTo(topicsBefore);
      Set<String> groups = admin.listConsumerGroups().all().get(30, TimeUnit.SECONDS).stream()
          .map(ConsumerGroupListing::groupId).collect(Collectors.toSet());
      assertThat(groups).noneMatch(g -> g.startsWith(run));
    }
  }

  @Test
  void shouldRefuseABadDurationNamingTheOption() {
    WndIT.Result r = wnd("bench", "score", "--duration", "soon");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--duration").doesNotContain("\tat ");
  }

  @Test
  void shouldRefuseAnUnknownCompressionNamingTheChoices() {
    WndIT.Result r = wnd("bench", "score", "--producer-compression", "lz5");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--producer-compression must be one of none, gzip, snappy, lz4, zstd, got 'lz5'")
        .doesNotContain("\tat ");
  }

  @Test
  void shouldRefuseClientSettingsWithoutACluster() {
    WndIT.Result r = wnd("bench", "score", "-X", "security.protocol=SSL");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--client-config and -X are for a cluster named by -b").doesNotContain("\tat ");
  }
}

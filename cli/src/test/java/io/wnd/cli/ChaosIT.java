package io.wnd.cli;

import static io.wnd.cli.WndIT.wnd;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reliability suite in its reduced form (the full one: {@code ./wnd chaos --rounds 10 --events 100000 --json} and
 * {@code ./wnd chaos --soak 10m --json}): {@code wnd chaos} runs broker, scorer and trainer as separate JVMs of the
 * built jar, SIGKILLs each of them (the broker restarted on its data directory) and halts a trainer inside a version's
 * transaction, every round, then checks from the topics that no record was lost or duplicated; and a short soak.
 */
class ChaosIT {
  private final ObjectMapper mapper = new ObjectMapper();

  @Test
  void shouldLoseAndDuplicateNothingWhenEveryAppIsKilledEveryRound(@TempDir Path dir) throws Exception {
    WndIT.Result r = wnd("chaos", "--rounds", "2", "--events", "8000", "--rate", "1000", "--scorers", "1",
        "--faults", "scorer,trainer,broker,publish", "--seed", "7", "--dir", dir.toString(), "--json");
    JsonNode j = mapper.readTree(r.lastLine());
    assertThat(j.get("problems")).as(r.out()).isEmpty();
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(j.get("rounds_passed").asInt()).isEqualTo(2);
    assertThat(j.get("faults").get("scorer").asInt()).isEqualTo(2);
    assertThat(j.get("faults").get("trainer").asInt()).isEqualTo(2);
    assertThat(j.get("faults").get("broker").asInt()).isEqualTo(2);
    assertThat(j.get("impressions").asLong()).isEqualTo(2 * 8_300);
    assertThat(j.get("scores").asLong()).isEqualTo(2 * 8_300);
    assertThat(j.get("examples").asLong()).isGreaterThanOrEqualTo(2 * 8_000 + 300);
    assertThat(j.get("lost").asLong()).isZero();
    assertThat(j.get("duplicated").asLong()).isZero();
    assertThat(j.get("wrong_labels").asLong()).isZero();
    assertThat(j.get("versions").asLong()).isPositive();
    assertThat(j.get("served_version").asLong()).isEqualTo(j.get("versions").asLong());
  }

  @Test
  void shouldSampleMemoryLagAndErrorsThroughAShortSoak(@TempDir Path dir) throws Exception {
    WndIT.Result r = wnd("chaos", "--soak", "60s", "--rate", "300", "--sample-every", "10s", "--scorers", "1",
        "--dir", dir.toString(), "--json");
    JsonNode j = mapper.readTree(r.lastLine());
    // The broker logs at ERROR the appends it refuses with the retriable transactions-v2 OutOfOrderSequenceException
    // (the producer retries them); the soak counts those apart. Any other ERROR line fails it.
    assertThat(j.get("errors").asLong()).as("error lines: %s", j.get("error_lines")).isZero();
    assertThat(j.get("retried_appends").asLong()).isNotNegative();
    assertThat(j.get("unexpected_exits").asInt()).isZero();
    assertThat(j.get("versions").asLong()).as("the trainer publishes every 5 s").isGreaterThanOrEqualTo(3);
    assertThat(j.get("samples").size()).isGreaterThanOrEqualTo(4);
    for (JsonNode s : j.get("samples")) {
      assertThat(s.get("scorer_heap_mb").isNumber()).as(s.toString()).isTrue();
      assertThat(s.get("scorer_rss_mb").asDouble()).isPositive();
      assertThat(s.get("scorer_model_rocksdb_mb").isNumber()).as(s.toString()).isTrue();
      assertThat(s.get("trainer_rss_mb").asDouble()).isPositive();
      assertThat(s.get("scorer_lag").asLong()).isNotNegative();
    }
  }
}

package io.wnd.cli;

import static io.wnd.cli.WndIT.wnd;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/**
 * {@code wnd bench train} at a tiny size, so the command cannot rot: both id ranges are measured in interleaved
 * rounds and its JSON carries the figures. Speeds are not checked here (they are what the command reports).
 */
class BenchTrainIT {

  @Test
  void shouldMeasureEveryRangeInEveryRoundAndReportTheFigures() throws Exception {
    WndIT.Result r = wnd("bench", "train", "--ids", "50,500", "--warmup-examples", "2000", "--examples", "3000",
        "--rounds", "3", "--json");
    assertThat(r.code()).as(r.err()).isZero();
    String[] lines = r.out().strip().split("\n");
    JsonNode j = new ObjectMapper().readTree(lines[lines.length - 1]);
    assertThat(j.get("rounds").asInt()).isEqualTo(3);
    JsonNode runs = j.get("runs");
    assertThat(runs).hasSize(2);
    for (int i = 0; i < 2; i++) {
      JsonNode run = runs.get(i);
      assertThat(run.get("ids_per_field").asLong()).isEqualTo(i == 0 ? 50 : 500);
      assertThat(run.get("examples").asLong()).isEqualTo(3000);
      assertThat(run.get("round_examples_per_second")).hasSize(3);
      run.get("round_examples_per_second").forEach(x -> assertThat(x.asLong()).isPositive());
      assertThat(run.get("examples_per_second").asLong()).isPositive();
      assertThat(run.get("gc_seconds_in_rounds").asDouble()).isBetween(0.0, run.get("seconds").asDouble());
      // where the time goes: every part of a step, the drains, and what they leave out, which adds up to the total
      JsonNode parts = run.get("us_per_example");
      assertThat(parts.fieldNames()).toIterable().containsExactly("total", "wide_forward", "embedding_forward",
          "deep_forward", "wide_update", "deep_backward", "embedding_update", "drain", "other");
      double total = parts.get("total").asDouble();
      assertThat(total).isCloseTo(1e6 / run.get("examples_per_second").asDouble(), within(total * 0.05));
      double sum = 0;
      for (String part : new String[] {"wide_forward", "embedding_forward", "deep_forward", "wide_update",
          "deep_backward", "embedding_update"}) {
        assertThat(parts.get(part).asDouble()).as(part).isPositive();
        sum += parts.get(part).asDouble();
      }
      assertThat(parts.get("drain").asDouble()).isGreaterThanOrEqualTo(0);
      sum += parts.get("drain").asDouble() + parts.get("other").asDouble();
      assertThat(sum).isCloseTo(total, within(0.05));
      assertThat(parts.get("other").asDouble()).isBetween(-0.05, total);
    }
    assertThat(j.get("heap").get("max_mb").asLong()).isPositive();
    assertThat(runs.get(0).has("us_per_example_more_than_first")).isFalse();
    assertThat(runs.get(1).get("us_per_example_more_than_first").has("embedding_forward")).isTrue();
    // 2,000 uniform examples see each of 50 ids per field more than twice (the admission threshold): all admitted
    assertThat(runs.get(0).get("embedding_rows").asLong()).isEqualTo(26 * 50);
    assertThat(runs.get(0).has("slowdown_vs_first")).isFalse();
    assertThat(runs.get(1).get("slowdown_vs_first_by_round")).hasSize(3);
  }

  @Test
  void shouldRefuseMoreRoundsThanExamples() {
    WndIT.Result r = wnd("bench", "train", "--examples", "2", "--rounds", "3");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--rounds").doesNotContain("\tat ");
  }
}

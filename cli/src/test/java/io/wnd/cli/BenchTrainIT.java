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
      // DL4J's objects of a step alone are hundreds of bytes per example; a step of 256 is not megabytes of them
      assertThat(run.get("allocated_bytes_per_example").asLong()).isBetween(100L, 100_000L);
      // where the time goes: every part of a step, the drains, and what they leave out, which adds up to the total
      JsonNode parts = run.get("us_per_example");
      assertThat(parts.fieldNames()).toIterable().containsExactly("total", "wide_forward", "embedding_forward",
          "embedding_admission", "deep_forward", "wide_update", "deep_backward", "embedding_update", "drain",
          "other");
      double total = parts.get("total").asDouble();
      assertThat(total).isCloseTo(1e6 / run.get("examples_per_second").asDouble(), within(total * 0.05));
      double sum = 0;
      for (String part : new String[] {"wide_forward", "embedding_forward", "deep_forward", "wide_update",
          "deep_backward", "embedding_update"}) {
        assertThat(parts.get(part).asDouble()).as(part).isPositive();
        sum += parts.get(part).asDouble();
      }
      // after the warm-up, the 50 ids of the first range all have rows: little or nothing left to admit
      assertThat(parts.get("embedding_admission").asDouble()).isGreaterThanOrEqualTo(0);
      assertThat(parts.get("drain").asDouble()).isGreaterThanOrEqualTo(0);
      sum += parts.get("embedding_admission").asDouble() + parts.get("drain").asDouble()
          + parts.get("other").asDouble();
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
  void shouldDrawIdsByAZipfLawWhenAskedSoThatAFewHotIdsAreSeenMostOften() throws Exception {
    String[] args = {"bench", "train", "--ids", "100000", "--warmup-examples", "3000", "--examples", "512",
        "--rounds", "2", "--json"};
    WndIT.Result uniform = wnd(args);
    String[] zipfArgs = java.util.Arrays.copyOf(args, args.length + 2);
    zipfArgs[args.length] = "--zipf";
    zipfArgs[args.length + 1] = "1.1";
    WndIT.Result zipf = wnd(zipfArgs);
    assertThat(uniform.code()).as(uniform.err()).isZero();
    assertThat(zipf.code()).as(zipf.err()).isZero();
    JsonNode u = new ObjectMapper().readTree(uniform.lastLine());
    JsonNode z = new ObjectMapper().readTree(zipf.lastLine());
    assertThat(u.get("id_distribution").asText()).isEqualTo("uniform");
    assertThat(u.get("zipf_exponent").isNull()).isTrue();
    assertThat(z.get("id_distribution").asText()).isEqualTo("zipf");
    assertThat(z.get("zipf_exponent").asDouble()).isEqualTo(1.1);
    JsonNode ur = u.get("runs").get(0);
    JsonNode zr = z.get("runs").get(0);
    // 3,512 uniform draws from 100,000 ids see few ids twice (the admission threshold); a Zipf law sees its hot ids
    // again and again, and far fewer distinct ids
    assertThat(zr.get("embedding_rows").asLong()).isGreaterThan(3 * Math.max(1, ur.get("embedding_rows").asLong()));
    assertThat(zr.get("wide_coordinates").asLong()).isLessThan(ur.get("wide_coordinates").asLong() / 2);
  }

  @Test
  void shouldRefuseAZipfExponentOutOfRange() {
    WndIT.Result r = wnd("bench", "train", "--zipf", "0");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--zipf must be in (0, 10], got 0.0").doesNotContain("\tat ");
  }

  @Test
  void shouldRefuseMoreRoundsThanExamples() {
    WndIT.Result r = wnd("bench", "train", "--examples", "2", "--rounds", "3");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--rounds").doesNotContain("\tat ");
  }
}

package io.wnd.ingest.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ClickDelayTest {
  @Test
  void shouldDrawExponentialDelaysWithTheMeanAndCap() {
    ClickDelay d = ClickDelay.parse("exp:30s:5m");
    double sum = 0;
    long max = 0;
    int n = 200_000;
    for (int i = 0; i < n; i++) {
      long v = d.sampleMillis(1, i);
      sum += v;
      max = Math.max(max, v);
      assertThat(v).isBetween(1L, 300_000L);
    }
    // the mean of an exponential(30 s) capped at 5 min is 30 s * (1 - e^-10) = 29.9986 s
    assertThat(sum / n).isCloseTo(29_998.6, org.assertj.core.data.Offset.offset(300.0));
    assertThat(max).isEqualTo(300_000L);
  }

  @Test
  void shouldBeAFunctionOfSeedAndRowOnly() {
    ClickDelay d = ClickDelay.parse(ClickDelay.DEFAULT);
    assertThat(d.sampleMillis(7, 42)).isEqualTo(d.sampleMillis(7, 42));
    assertThat(d.sampleMillis(7, 42)).isNotEqualTo(d.sampleMillis(8, 42));
    assertThat(ClickDelay.parse("fixed:1.5s").sampleMillis(1, 1)).isEqualTo(1_500);
    assertThat(ClickDelay.parse("uniform:1s:2s").sampleMillis(3, 9)).isBetween(1_000L, 2_000L);
  }

  @Test
  void shouldRefuseBadSpecsSayingWhy() {
    assertThatThrownBy(() -> ClickDelay.parse("gauss:3s")).hasMessageContaining("use exp:MEAN[:CAP]");
    assertThatThrownBy(() -> ClickDelay.parse("exp:10s:5s")).hasMessageContaining("0 < mean <= cap");
    assertThatThrownBy(() -> ClickDelay.parse("fixed:soon")).hasMessageContaining("bad duration");
  }
}

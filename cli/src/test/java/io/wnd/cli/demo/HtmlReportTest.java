package io.wnd.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HtmlReportTest {

  @Test
  void shouldPlaceThePointsInsideThePlotAreaByHand() {
    // plot area: x 64..670 (820 - 64 - 150), y 28..206 (240 - 28 - 34); y range 0..1 padded by 8 % above
    // (not below: values >= 0 keep 0 as the floor), so y = 1 sits at 28 + (1 - 1 / 1.08) * 178 = 41.2
    String svg = HtmlReport.chart("t", "u", 60, List.of(new double[] {30, 3}), List.of(
        new HtmlReport.Series("s", "#000", new double[] {0, 30, 45, 60}, new double[] {0, Double.NaN, 0.5, 1}, false)));
    assertThat(svg).contains("points=\"64.0,206.0\"") // the NaN breaks the line: a first polyline of one point
        .contains("points=\"518.5,123.6 670.0,41.2\"") // x = 64 + 45 / 60 * 606; y = 28 + (1 - 0.5 / 1.08) * 178
        .contains("<line class=\"version\" x1=\"367.0\"") // the marker at 30 s: 64 + 303
        .contains(">v3<");
  }

  @Test
  void shouldEscapeTextAndDrawNoLineForASeriesWithoutValues() {
    String svg = HtmlReport.chart("a<b", "u", 10, List.of(),
        List.of(new HtmlReport.Series("n&m", "#000", new double[] {1, 2}, new double[] {Double.NaN, Double.NaN}, true)));
    assertThat(svg).contains("a&lt;b").contains("n&amp;m").doesNotContain("<polyline").doesNotContain("<circle");
  }

  @Test
  void shouldKeepThePlainLiveLineShort() {
    Sample s = new Sample(83, 2003.4, 1998.2, 1500, 1536, 4, 41, 180, 166_000, 165_900, 120_000, 119_808, 12, 2.4, 12,
        0.7123, 0.4567, 0.7, 0.46, 70, 0);
    String line = LiveView.line(s);
    assertThat(line).isEqualTo("1:23 imp/s 2,003 scores/s 1,998 p99 41ms ex/s 1,536 v12 (2s old) auc 0.712 logloss 0.457 dlq 0");
    assertThat(line.length()).isLessThan(100);
  }
}

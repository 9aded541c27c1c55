package io.wnd.state.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class StreamMetricsTest {

  @Test
  void shouldSnapshotHandComputedFigures() {
    StreamMetrics metrics = new StreamMetrics();
    metrics.add(0.9, 1);
    metrics.add(0.4, 1);
    metrics.add(0.5, 0);
    metrics.add(0.1, 0);

    StreamMetrics.Snapshot snapshot = metrics.snapshot();
    assertThat(snapshot.count()).isEqualTo(4);
    assertThat(snapshot.auc()).isEqualTo(0.75); // 3 of 4 pairs ranked right
    // (-ln 0.9 - ln 0.4 - ln 0.5 - ln 0.9) / 4 = (0.1053605 + 0.9162907 + 0.6931472 + 0.1053605) / 4
    assertThat(snapshot.logLoss()).isCloseTo(0.4550397, within(1e-6));
    assertThat(snapshot.meanPrediction()).isCloseTo(0.475, within(1e-12));
    assertThat(snapshot.observedRate()).isEqualTo(0.5);
    assertThat(snapshot.calibration()).isCloseTo(0.95, within(1e-12));
  }

  @Test
  void shouldLeaveBothAccumulatorsUnchangedOnBadInput() {
    StreamMetrics metrics = new StreamMetrics();
    metrics.add(0.9, 1);
    assertThatThrownBy(() -> metrics.add(0.5, 3)).isInstanceOf(IllegalArgumentException.class);
    assertThat(metrics.count()).isEqualTo(1);
    metrics.add(0.1, 0);
    assertThat(metrics.auc()).isEqualTo(1.0);
  }

  @Test
  void shouldMergeAndReset() {
    StreamMetrics left = new StreamMetrics();
    StreamMetrics right = new StreamMetrics();
    left.add(0.9, 1);
    right.add(0.1, 0);
    left.merge(right);
    assertThat(left.auc()).isEqualTo(1.0);
    assertThat(left.count()).isEqualTo(2);
    left.reset();
    assertThat(left.count()).isZero();
    assertThat(left.logLoss()).isNaN();
  }
}

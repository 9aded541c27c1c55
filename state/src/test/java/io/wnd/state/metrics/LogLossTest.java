package io.wnd.state.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LogLossTest {

  @Test
  void shouldMatchHandComputedLogLoss() {
    LogLoss loss = new LogLoss();
    loss.add(0.8, 1); // -ln 0.8 = 0.2231435513
    loss.add(0.3, 0); // -ln 0.7 = 0.3566749439
    loss.add(0.5, 1); // -ln 0.5 = 0.6931471806
    loss.add(0.1, 0); // -ln 0.9 = 0.1053605157
    // (0.2231435513 + 0.3566749439 + 0.6931471806 + 0.1053605157) / 4
    assertThat(loss.mean()).isCloseTo(0.3445815479, within(1e-9));
    assertThat(loss.count()).isEqualTo(4);
    assertThat(loss.positives()).isEqualTo(2);
    assertThat(loss.meanPrediction()).isCloseTo(0.425, within(1e-12)); // 1.7 / 4
    assertThat(loss.observedRate()).isEqualTo(0.5);
    assertThat(loss.calibration()).isCloseTo(0.85, within(1e-12)); // 0.425 / 0.5
  }

  @Test
  void shouldClipCertainMistakesInsteadOfReturningInfinity() {
    LogLoss loss = new LogLoss();
    loss.add(0.0, 1);
    loss.add(1.0, 0);
    // each costs -ln(1e-7) = 16.11809565
    assertThat(loss.mean()).isCloseTo(16.11809565, within(1e-6));
  }

  @Test
  void shouldBeNanBeforeTheFirstPredictionAndAfterReset() {
    LogLoss loss = new LogLoss();
    assertThat(loss.mean()).isNaN();
    loss.add(0.2, 1);
    loss.reset();
    assertThat(loss.count()).isZero();
    assertThat(loss.mean()).isNaN();
    assertThat(loss.calibration()).isNaN();
  }

  @Test
  void shouldMergeAsIfAllPredictionsWereAddedToOne() {
    LogLoss left = new LogLoss();
    LogLoss right = new LogLoss();
    left.add(0.8, 1);
    left.add(0.3, 0);
    right.add(0.5, 1);
    right.add(0.1, 0);
    left.merge(right);
    assertThat(left.mean()).isCloseTo(0.3445815479, within(1e-9));
    assertThat(left.count()).isEqualTo(4);
  }

  @Test
  void shouldRejectOutOfRangeInputWithoutCountingIt() {
    LogLoss loss = new LogLoss();
    assertThatThrownBy(() -> loss.add(-0.1, 1)).hasMessageContaining("-0.1");
    assertThatThrownBy(() -> loss.add(0.5, -1)).hasMessageContaining("label");
    assertThat(loss.count()).isZero();
  }
}

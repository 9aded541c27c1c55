package io.wnd.state.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class BinnedAucTest {

  /**
   * The reference: the Mann-Whitney AUC by counting every (positive, negative) pair, ties as half. An
   * independent O(n^2) definition, not the histogram walk under test.
   */
  private static double exactAuc(double[] p, int[] label) {
    double correct = 0;
    long pairs = 0;
    for (int i = 0; i < p.length; i++) {
      if (label[i] != 1) {
        continue;
      }
      for (int j = 0; j < p.length; j++) {
        if (label[j] != 0) {
          continue;
        }
        pairs++;
        if (p[i] > p[j]) {
          correct += 1;
        } else if (p[i] == p[j]) {
          correct += 0.5;
        }
      }
    }
    return correct / pairs;
  }

  @Test
  void shouldAgreeWithExactPairCountingOnContinuousScores() {
    Random random = new Random(42);
    int n = 4000;
    double[] p = new double[n];
    int[] label = new int[n];
    BinnedAuc auc = new BinnedAuc();
    for (int i = 0; i < n; i++) {
      // a noisy but informative score, squashed into (0, 1)
      label[i] = random.nextDouble() < 0.25 ? 1 : 0;
      double z = random.nextGaussian() + (label[i] == 1 ? 1.0 : 0.0);
      p[i] = 1.0 / (1.0 + Math.exp(-z));
      auc.add(p[i], label[i]);
    }

    double exact = exactAuc(p, label);
    assertThat(exact).isBetween(0.6, 0.9);
    assertThat(auc.auc()).isCloseTo(exact, within(1e-3));
    assertThat(auc.count()).isEqualTo(n);
    assertThat(auc.positives()).isEqualTo(java.util.Arrays.stream(label).sum());
  }

  @Test
  void shouldCountTiedScoresAsHalfLikeTheRankSum() {
    // Scores on a 0.01 grid: many exact ties, each tie in one bin, so the result must match exactly.
    Random random = new Random(7);
    int n = 3000;
    double[] p = new double[n];
    int[] label = new int[n];
    BinnedAuc auc = new BinnedAuc();
    for (int i = 0; i < n; i++) {
      p[i] = random.nextInt(101) / 100.0;
      label[i] = random.nextDouble() < p[i] ? 1 : 0;
      auc.add(p[i], label[i]);
    }
    assertThat(auc.auc()).isCloseTo(exactAuc(p, label), within(1e-12));
  }

  @Test
  void shouldGiveHandComputedValuesOnTinyInputs() {
    BinnedAuc auc = new BinnedAuc();
    // positives at 0.9 and 0.4, negatives at 0.5 and 0.1: 3 of the 4 pairs ranked right
    auc.add(0.9, 1);
    auc.add(0.4, 1);
    auc.add(0.5, 0);
    auc.add(0.1, 0);
    assertThat(auc.auc()).isEqualTo(0.75);

    BinnedAuc allTied = new BinnedAuc();
    allTied.add(0.3, 1);
    allTied.add(0.3, 0);
    assertThat(allTied.auc()).isEqualTo(0.5);

    BinnedAuc extremes = new BinnedAuc();
    extremes.add(1.0, 1);
    extremes.add(0.0, 0);
    assertThat(extremes.auc()).isEqualTo(1.0);
  }

  @Test
  void shouldBeUndefinedWithoutBothLabels() {
    BinnedAuc auc = new BinnedAuc();
    assertThat(auc.auc()).isNaN();
    auc.add(0.7, 1);
    assertThat(auc.auc()).isNaN();
  }

  @Test
  void shouldMergeAsIfAllPredictionsWereAddedToOne() {
    Random random = new Random(3);
    BinnedAuc left = new BinnedAuc(1000);
    BinnedAuc right = new BinnedAuc(1000);
    BinnedAuc both = new BinnedAuc(1000);
    for (int i = 0; i < 2000; i++) {
      double p = random.nextDouble();
      int label = random.nextDouble() < p ? 1 : 0;
      (i % 2 == 0 ? left : right).add(p, label);
      both.add(p, label);
    }
    left.merge(right);
    assertThat(left.auc()).isEqualTo(both.auc());
    assertThat(left.count()).isEqualTo(2000);
    assertThat(left.positives()).isEqualTo(both.positives());
  }

  @Test
  void shouldForgetEverythingOnReset() {
    BinnedAuc auc = new BinnedAuc();
    auc.add(0.9, 1);
    auc.add(0.1, 0);
    auc.reset();
    assertThat(auc.count()).isZero();
    assertThat(auc.auc()).isNaN();
    auc.add(0.1, 1);
    auc.add(0.9, 0);
    assertThat(auc.auc()).isEqualTo(0.0);
  }

  @Test
  void shouldRejectOutOfRangeInput() {
    BinnedAuc auc = new BinnedAuc();
    assertThatThrownBy(() -> auc.add(Double.NaN, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> auc.add(1.5, 0)).hasMessageContaining("1.5");
    assertThatThrownBy(() -> auc.add(0.5, 2)).hasMessageContaining("label");
    assertThatThrownBy(() -> auc.merge(new BinnedAuc(10))).hasMessageContaining("10 bins");
    assertThatThrownBy(() -> new BinnedAuc(1)).isInstanceOf(IllegalArgumentException.class);
    assertThat(auc.count()).isZero();
  }
}

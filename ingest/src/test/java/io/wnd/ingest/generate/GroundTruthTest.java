package io.wnd.ingest.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.wnd.avro.CriteoFeatures;
import org.junit.jupiter.api.Test;

class GroundTruthTest {

  private static CriteoFeatures sample() {
    return CriteoFeatures.newBuilder()
        .setI1(3L).setI2(-1L).setI5(1200L).setI9(40L)
        .setC1("68fd1e64").setC2("80e26c9b").setC3("fb936136").setC5("25c83c98").setC6("7e0ccccf")
        .setC9("a73ee510").setC14("b28479f6").setC17("e5ba7672").setC22("ad3062eb")
        .build();
  }

  @Test
  void shouldSolveTheBiasOfHandComputedCases() {
    // with no signal the bias is the logit of the rate: ln(0.2 / 0.8) = -1.3862943611
    assertThat(GroundTruth.biasFor(new double[] {0, 0, 0}, 0.2)).isCloseTo(-1.3862943611, within(1e-9));
    // offsets symmetric around 0 have mean probability 0.5 at bias 0
    assertThat(GroundTruth.biasFor(new double[] {-1, 1, -3, 3}, 0.5)).isCloseTo(0.0, within(1e-9));
    // offsets {0, ln 3}: σ(b) + σ(b + ln 3) = 1 at b = -ln 3 / 2 (σ(-x) + σ(x) = 1)
    assertThat(GroundTruth.biasFor(new double[] {0, Math.log(3)}, 0.5))
        .isCloseTo(-Math.log(3) / 2, within(1e-9));
  }

  @Test
  void shouldRejectAnImpossibleCalibration() {
    assertThatThrownBy(() -> GroundTruth.biasFor(new double[0], 0.2)).hasMessageContaining("offset");
    assertThatThrownBy(() -> GroundTruth.biasFor(new double[] {0}, 0.0)).hasMessageContaining("rate");
    assertThatThrownBy(() -> new GroundTruth(1, Double.POSITIVE_INFINITY)).hasMessageContaining("bias");
  }

  @Test
  void shouldReadHexCodesAsTheNumbersTheySpell() {
    assertThat(GroundTruth.code("0000002a")).isEqualTo(42L);
    assertThat(GroundTruth.code("ffffffff")).isEqualTo(0xFFFF_FFFFL);
    // anything else lands above the 32-bit range, so it cannot collide with a hex code
    assertThat(GroundTruth.code("0000002A")).isGreaterThanOrEqualTo(1L << 32);
    assertThat(GroundTruth.code("Private")).isGreaterThanOrEqualTo(1L << 32);
    assertThat(GroundTruth.code("Private")).isNotEqualTo(GroundTruth.code("Self-emp"));
  }

  @Test
  void shouldBeAFunctionOfTheSeed() {
    CriteoFeatures features = sample();
    assertThat(new GroundTruth(9).probability(features)).isEqualTo(new GroundTruth(9).probability(features));
    assertThat(new GroundTruth(9).probability(features))
        .isNotEqualTo(new GroundTruth(10).probability(features));
  }

  @Test
  void shouldShiftTheOddsByTheExponentialOfTheBias() {
    CriteoFeatures features = sample();
    double p0 = new GroundTruth(9, 0.5).probability(features);
    double p1 = new GroundTruth(9, 1.5).probability(features);
    double oddsRatio = (p1 / (1 - p1)) / (p0 / (1 - p0));
    assertThat(oddsRatio).isCloseTo(Math.E, within(1e-9));
  }

  @Test
  void shouldScoreRecordsWithEveryFieldMissing() {
    double p = new GroundTruth(9, -1).probability(new CriteoFeatures());
    assertThat(p).isStrictlyBetween(0.0, 1.0);
  }

  @Test
  void shouldDrawStandardNormalishCategoryEffects() {
    // the first two moments of the hash-based normal over 200,000 consecutive keys
    int n = 200_000;
    double sum = 0;
    double sumSquares = 0;
    for (int k = 0; k < n; k++) {
      double g = Hashing.gaussianish(Hashing.hash(5, 6, k));
      sum += g;
      sumSquares += g * g;
    }
    double mean = sum / n;
    assertThat(mean).isCloseTo(0.0, within(0.01));
    assertThat(sumSquares / n - mean * mean).isCloseTo(1.0, within(0.01));
  }
}

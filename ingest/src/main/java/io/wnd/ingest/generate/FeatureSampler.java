package io.wnd.ingest.generate;

import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.NormalizedGaussianSampler;
import org.apache.commons.rng.sampling.distribution.RejectionInversionZipfSampler;
import org.apache.commons.rng.sampling.distribution.SharedStateDiscreteSampler;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;
import org.apache.commons.rng.simple.RandomSource;

/**
 * Draws the features of Criteo-like impressions into reusable arrays: heavy-tailed counts for the 13
 * integer fields and Zipf-distributed category indexes, turned into 32-bit codes, for the 26 categorical
 * fields. The shape (cardinalities, missing rates, tails) imitates the Kaggle Display Advertising
 * Challenge data. Not thread-safe.
 */
final class FeatureSampler {
  /** Two categorical fields are missing together (0 = independently, 1 or 2 = with their group). */
  private static final int GROUPS = 3;

  private static final long CATEGORY_VALUE_SALT = 0x5000;
  /** Large enough for any real count, and far from where a double stops holding integers exactly. */
  private static final double MAX_COUNT = 1e12;

  // Per-field cardinalities of the Kaggle Criteo training set (C1..C26).
  private final int[] cardinality = {
    1460, 583, 10131227, 2202608, 305, 24, 12517, 633, 3, 93145, 5683, 8351593, 3194, 27, 14992, 5461306,
    10, 5652, 2173, 4, 7046547, 18, 15, 286181, 105, 142572
  };
  // Missing rates close to the Kaggle data's; in it C19, C20, C25 and C26 are missing in the same rows,
  // and so are C3, C4, C12, C16, C21 and C24, hence the groups.
  private final double[] categoricalMissing = {
    0, 0, 0.034, 0.034, 0, 0.12, 0, 0.0005, 0, 0, 0, 0.034, 0, 0, 0, 0.034, 0, 0, 0.44, 0.44, 0.034, 0.76,
    0, 0.034, 0.44, 0.44
  };
  private final int[] missingGroup = {
    0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 2, 2, 1, 0, 0, 1, 2, 2
  };
  // Integer fields: a count expm1(mu + sigma·Z) rounded down, missing at a field-specific rate (the
  // Kaggle rates, I12's 76% capped at 45%); I2 is sometimes -1 as in the logs.
  private final double[] integerMissing = {
    0.45, 0, 0.21, 0.22, 0.026, 0.22, 0.043, 0.0005, 0.043, 0.45, 0.043, 0.45, 0.22
  };
  private final double[] mu = {0.3, 2.0, 2.3, 1.6, 7.5, 3.5, 1.4, 2.4, 3.6, 0.1, 0.9, 0.1, 1.6};
  private final double[] sigma = {1.3, 2.2, 1.4, 1.0, 2.0, 1.8, 1.5, 1.0, 1.4, 0.7, 1.1, 1.2, 1.1};
  private final double[] negative = {0, 0.1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

  private final long seed;
  private final UniformRandomProvider rng;
  private final NormalizedGaussianSampler gaussian;
  private final SharedStateDiscreteSampler[] zipf =
      new SharedStateDiscreteSampler[GroundTruth.CATEGORICAL_FIELDS];
  private final double[] groupUniform = new double[GROUPS];

  /**
   * @param seed the seed of the category codes (the same for every stream of one generator)
   * @param streamSeed the seed of the random draws
   * @param zipfExponent the exponent of the category frequencies
   * @param maxCardinality the most values of any categorical field (&ge; 1; {@code Integer.MAX_VALUE} for the
   *     Kaggle cardinalities)
   */
  FeatureSampler(long seed, long streamSeed, double zipfExponent, int maxCardinality) {
    this.seed = seed;
    this.rng = RandomSource.XO_RO_SHI_RO_128_PP.create(streamSeed);
    this.gaussian = ZigguratSampler.NormalizedGaussian.of(rng);
    for (int f = 0; f < zipf.length; f++) {
      zipf[f] = RejectionInversionZipfSampler.of(rng, Math.min(cardinality[f], maxCardinality), zipfExponent);
    }
  }

  /** @return the random source of this stream, also used for the labels */
  UniformRandomProvider rng() {
    return rng;
  }

  /**
   * Draws one impression.
   *
   * @param integers receives the integer fields, {@link GroundTruth#MISSING_INTEGER} when missing
   * @param codes receives the category codes, {@link GroundTruth#MISSING_CATEGORY} when missing
   */
  void sample(long[] integers, long[] codes) {
    for (int i = 0; i < integers.length; i++) {
      // no draw where the rate is 0: a third fewer calls to the generator per row
      if (integerMissing[i] > 0 && rng.nextDouble() < integerMissing[i]) {
        integers[i] = GroundTruth.MISSING_INTEGER;
      } else if (negative[i] > 0 && rng.nextDouble() < negative[i]) {
        integers[i] = -1;
      } else {
        double count = Math.expm1(mu[i] + sigma[i] * gaussian.sample());
        integers[i] = (long) Math.min(Math.max(count, 0.0), MAX_COUNT);
      }
    }
    groupUniform[0] = 0;
    for (int g = 1; g < GROUPS; g++) {
      groupUniform[g] = rng.nextDouble();
    }
    for (int f = 0; f < codes.length; f++) {
      boolean missing;
      if (missingGroup[f] != 0) {
        missing = groupUniform[missingGroup[f]] < categoricalMissing[f];
      } else {
        missing = categoricalMissing[f] > 0 && rng.nextDouble() < categoricalMissing[f];
      }
      if (missing) {
        codes[f] = GroundTruth.MISSING_CATEGORY;
      } else {
        codes[f] = categoryCode(f, zipf[f].sample() - 1);
      }
    }
  }

  /** The 32-bit code of the value of a field with a given frequency rank (0 = most frequent). */
  long categoryCode(int field, long rank) {
    return Hashing.hash(seed, CATEGORY_VALUE_SALT + field, rank) & 0xFFFF_FFFFL;
  }
}

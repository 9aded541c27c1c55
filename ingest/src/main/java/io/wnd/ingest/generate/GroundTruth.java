package io.wnd.ingest.generate;

import io.wnd.avro.CriteoFeatures;
import org.apache.avro.Schema;

/**
 * The hidden logistic model behind generated clicks: the click probability a perfect learner would
 * predict for an impression in the Criteo layout.
 *
 * <p>{@code logit = bias + Σ_i coef_i·log1p(max(I_i, 0)) + Σ_f scale_f·g(seed, f, C_f) + Σ_pairs
 * scale_p·g(seed, p, C_a, C_b)}, where a missing integer adds its own per-field effect instead, and
 * {@code g} is a standard-normal-ish number computed from a hash (so the model holds nothing per
 * categorical value and covers every one of the ~30 million values of the Criteo fields). The
 * coefficients and scales are drawn from the seed, so the same seed always gives the same model.
 *
 * <p>Categorical values are keyed by their text: 8 lowercase hex characters are read as the 32-bit
 * number they spell, which is how {@link CriteoGenerator} writes them; any other text is hashed, so real
 * Criteo rows can be scored too. Immutable and thread-safe.
 */
public final class GroundTruth {
  /** The number of integer fields, I1..I13. */
  public static final int INTEGER_FIELDS = 13;
  /** The number of categorical fields, C1..C26. */
  public static final int CATEGORICAL_FIELDS = 26;

  /** The code of a missing integer in the arrays of the fast path. */
  static final long MISSING_INTEGER = Long.MIN_VALUE;
  /** The code of a missing categorical in the arrays of the fast path. */
  static final long MISSING_CATEGORY = -1L;

  // Salts keep the hash streams of the different kinds of parameter apart.
  private static final long INTEGER_COEF_SALT = 0x1001;
  private static final long INTEGER_MISSING_SALT = 0x1002;
  private static final long FIELD_SCALE_SALT = 0x1003;
  private static final long CATEGORY_EFFECT_SALT = 0x2000;
  private static final long PAIR_EFFECT_SALT = 0x3000;
  private static final long FOREIGN_TEXT_SALT = 0x4000;

  // How strong each part of the signal is; chosen so that the model's own AUC is 0.81-0.85 (seeds 1-7,
  // 100,000 rows), a ceiling a little above the ~0.80 of good learners on the real Criteo logs, with the
  // categorical fields carrying most of it.
  private static final double INTEGER_COEF_STDDEV = 0.12;
  private static final double INTEGER_MISSING_STDDEV = 0.25;
  private static final double FIELD_SCALE_MIN = 0.05;
  private static final double FIELD_SCALE_RANGE = 0.35;
  private static final double PAIR_SCALE = 0.4;

  private final long seed;
  private final double bias;
  private final double[] integerCoef = new double[INTEGER_FIELDS];
  private final double[] integerMissing = new double[INTEGER_FIELDS];
  private final double[] fieldScale = new double[CATEGORICAL_FIELDS];
  // The interacting pairs of categorical fields (0-based): C5×C6, C9×C17, C14×C22 — fields of small
  // cardinality, so that a learner with crossed features can find them.
  private final int[] pairLeft = {4, 8, 13};
  private final int[] pairRight = {5, 16, 21};
  private final int[] integerPos = new int[INTEGER_FIELDS];
  private final int[] categoricalPos = new int[CATEGORICAL_FIELDS];

  /**
   * The model of a seed with bias 0; see {@link #withBias} and {@link #biasFor} to set its click rate.
   *
   * @param seed the seed the coefficients are drawn from
   */
  public GroundTruth(long seed) {
    this(seed, 0.0);
  }

  /**
   * The model of a seed.
   *
   * @param seed the seed the coefficients are drawn from
   * @param bias the intercept of the logit
   * @throws IllegalArgumentException if the bias is not finite
   */
  public GroundTruth(long seed, double bias) {
    if (!Double.isFinite(bias)) {
      throw new IllegalArgumentException("bias must be finite, was " + bias);
    }
    this.seed = seed;
    this.bias = bias;
    for (int i = 0; i < INTEGER_FIELDS; i++) {
      integerCoef[i] = INTEGER_COEF_STDDEV * Hashing.gaussianish(Hashing.hash(seed, INTEGER_COEF_SALT, i));
      integerMissing[i] =
          INTEGER_MISSING_STDDEV * Hashing.gaussianish(Hashing.hash(seed, INTEGER_MISSING_SALT, i));
    }
    for (int f = 0; f < CATEGORICAL_FIELDS; f++) {
      fieldScale[f] =
          FIELD_SCALE_MIN + FIELD_SCALE_RANGE * Hashing.uniform(Hashing.hash(seed, FIELD_SCALE_SALT, f));
    }
    Schema schema = CriteoFeatures.getClassSchema();
    for (int i = 0; i < INTEGER_FIELDS; i++) {
      integerPos[i] = schema.getField("I" + (i + 1)).pos();
    }
    for (int f = 0; f < CATEGORICAL_FIELDS; f++) {
      categoricalPos[f] = schema.getField("C" + (f + 1)).pos();
    }
  }

  /**
   * The same model with another intercept.
   *
   * @param newBias the intercept of the logit
   * @return the model
   */
  public GroundTruth withBias(double newBias) {
    return new GroundTruth(seed, newBias);
  }

  /**
   * The intercept that makes the mean click probability over a sample equal a target rate: the root of
   * {@code mean_j σ(b + offsets_j) = rate}, found by bisection (the mean is increasing in {@code b}).
   *
   * @param offsets the logits of a sample of impressions without the intercept
   * @param rate the target mean click probability, in (0, 1)
   * @return the intercept
   * @throws IllegalArgumentException if the sample is empty or the rate is not in (0, 1)
   */
  public static double biasFor(double[] offsets, double rate) {
    if (offsets.length == 0) {
      throw new IllegalArgumentException("need at least one offset to calibrate the bias");
    }
    if (!(rate > 0.0 && rate < 1.0)) {
      throw new IllegalArgumentException("rate must be in (0, 1), was " + rate);
    }
    double low = -60.0;
    double high = 60.0;
    for (int iteration = 0; iteration < 100 && high - low > 1e-12; iteration++) {
      double mid = 0.5 * (low + high);
      double mean = 0.0;
      for (double offset : offsets) {
        mean += sigmoid(mid + offset);
      }
      if (mean / offsets.length < rate) {
        low = mid;
      } else {
        high = mid;
      }
    }
    return 0.5 * (low + high);
  }

  /** @return the seed the coefficients were drawn from */
  public long seed() {
    return seed;
  }

  /** @return the intercept of the logit */
  public double bias() {
    return bias;
  }

  /**
   * The true click probability of an impression.
   *
   * @param features the impression's features; missing (null) fields are allowed
   * @return the probability, in (0, 1)
   */
  public double probability(CriteoFeatures features) {
    return sigmoid(logit(features));
  }

  /**
   * The true log-odds of a click.
   *
   * @param features the impression's features; missing (null) fields are allowed
   * @return the logit
   */
  public double logit(CriteoFeatures features) {
    double z = bias;
    for (int i = 0; i < INTEGER_FIELDS; i++) {
      Object value = features.get(integerPos[i]);
      z += integerTerm(i, value == null ? MISSING_INTEGER : (Long) value);
    }
    // The pairs need the codes of their fields; computed twice for those few fields rather than kept
    // in an array, so scoring a record allocates nothing and the model stays thread-safe.
    for (int f = 0; f < CATEGORICAL_FIELDS; f++) {
      z += categoryTerm(f, categoryCode(features, f));
    }
    for (int p = 0; p < pairLeft.length; p++) {
      z += pairTerm(p, categoryCode(features, pairLeft[p]), categoryCode(features, pairRight[p]));
    }
    return z;
  }

  /**
   * The fast path of the generator: the logit from integer values ({@link #MISSING_INTEGER} when
   * missing) and category codes ({@link #MISSING_CATEGORY} when missing), equal to {@link
   * #logit(CriteoFeatures)} of the record they spell.
   */
  double logit(long[] integers, long[] codes) {
    double z = bias;
    for (int i = 0; i < INTEGER_FIELDS; i++) {
      z += integerTerm(i, integers[i]);
    }
    for (int f = 0; f < CATEGORICAL_FIELDS; f++) {
      z += categoryTerm(f, codes[f]);
    }
    for (int p = 0; p < pairLeft.length; p++) {
      z += pairTerm(p, codes[pairLeft[p]], codes[pairRight[p]]);
    }
    return z;
  }

  static double sigmoid(double z) {
    return 1.0 / (1.0 + Math.exp(-z));
  }

  private double integerTerm(int i, long value) {
    if (value == MISSING_INTEGER) {
      return integerMissing[i];
    }
    return integerCoef[i] * Math.log1p(Math.max(value, 0L));
  }

  private double categoryTerm(int f, long code) {
    return fieldScale[f] * Hashing.gaussianish(Hashing.hash(seed, CATEGORY_EFFECT_SALT + f, code));
  }

  private double pairTerm(int p, long leftCode, long rightCode) {
    long key = Hashing.mix(leftCode) ^ rightCode;
    return PAIR_SCALE * Hashing.gaussianish(Hashing.hash(seed, PAIR_EFFECT_SALT + p, key));
  }

  private long categoryCode(CriteoFeatures features, int f) {
    Object value = features.get(categoricalPos[f]);
    return value == null ? MISSING_CATEGORY : code((CharSequence) value);
  }

  /**
   * The code of a categorical value: the 32-bit number that 8 lowercase hex characters spell, or for
   * any other text a hash at or above 2^32, so the two kinds never collide.
   */
  static long code(CharSequence text) {
    if (text.length() == 8) {
      long value = 0;
      boolean hex = true;
      for (int k = 0; k < 8 && hex; k++) {
        char c = text.charAt(k);
        int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        hex = digit >= 0;
        value = (value << 4) | digit;
      }
      if (hex) {
        return value;
      }
    }
    long h = FOREIGN_TEXT_SALT;
    for (int k = 0; k < text.length(); k++) {
      h = Hashing.mix(h + text.charAt(k));
    }
    return (h & Long.MAX_VALUE) | (1L << 32);
  }
}

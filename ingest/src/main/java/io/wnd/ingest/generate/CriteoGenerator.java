package io.wnd.ingest.generate;

import io.wnd.avro.CriteoFeatures;
import io.wnd.ingest.Row;
import io.wnd.ingest.RowReader;
import io.wnd.state.metrics.StreamMetrics;
import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Synthetic Criteo-like traffic: impressions in the layout of the Kaggle Display Advertising Challenge
 * (13 heavy-tailed integer fields, 26 Zipf-distributed categorical fields with the Kaggle cardinalities,
 * written as 8 lowercase hex characters) whose labels are drawn from a hidden {@link GroundTruth}.
 *
 * <p>The same seed gives the same rows, the same ground truth and the same metrics. The generator keeps
 * the ground truth's own quality on the rows it produced ({@link #groundTruthMetrics()}): the AUC and log
 * loss a perfect learner would reach on them.
 *
 * <p>Rows carry {@code index} 0, 1, 2, ... and {@code line = index + 1}. Not thread-safe.
 */
public final class CriteoGenerator implements RowReader {
  /** The default mean click probability. */
  public static final double DEFAULT_BASE_RATE = 0.2;
  /** The default exponent of the Zipf law of category frequencies. */
  public static final double DEFAULT_ZIPF_EXPONENT = 1.1;
  /** How many impressions the bias is calibrated on: enough for the rate to be within ~0.2% of target. */
  static final int CALIBRATION_ROWS = 16_384;

  private static final Logger LOG = LoggerFactory.getLogger(CriteoGenerator.class);
  private static final long ROW_STREAM_SALT = 0x6000;
  private static final long CALIBRATION_STREAM_SALT = 0x7000;
  private static final String HEX_DIGITS = "0123456789abcdef";

  private final long seed;
  private final long count;
  private final double baseRate;
  private final GroundTruth truth;
  private final FeatureSampler sampler;
  private final StreamMetrics metrics = new StreamMetrics();
  private final long[] integers = new long[GroundTruth.INTEGER_FIELDS];
  private final long[] codes = new long[GroundTruth.CATEGORICAL_FIELDS];
  private final byte[] hex = new byte[8];
  private final int[] integerPos = new int[GroundTruth.INTEGER_FIELDS];
  private final int[] categoricalPos = new int[GroundTruth.CATEGORICAL_FIELDS];
  private long next;
  private boolean closed;

  /**
   * A generator with the default click rate {@value #DEFAULT_BASE_RATE}.
   *
   * @param seed the seed of everything random: features, ground truth and labels
   * @param count the number of rows to produce; negative for an endless stream
   */
  public CriteoGenerator(long seed, long count) {
    this(seed, count, DEFAULT_BASE_RATE);
  }

  /**
   * A generator.
   *
   * @param seed the seed of everything random: features, ground truth and labels
   * @param count the number of rows to produce; negative for an endless stream
   * @param baseRate the mean click probability the ground truth is calibrated to, in (0, 1)
   * @throws IllegalArgumentException if the base rate is not in (0, 1)
   */
  public CriteoGenerator(long seed, long count, double baseRate) {
    this(seed, count, baseRate, DEFAULT_ZIPF_EXPONENT);
  }

  /**
   * A generator.
   *
   * @param seed the seed of everything random: features, ground truth and labels
   * @param count the number of rows to produce; negative for an endless stream
   * @param baseRate the mean click probability the ground truth is calibrated to, in (0, 1)
   * @param zipfExponent the exponent of the Zipf law of category frequencies, in (0, 10]
   * @throws IllegalArgumentException if the base rate is not in (0, 1) or the exponent out of range
   */
  public CriteoGenerator(long seed, long count, double baseRate, double zipfExponent) {
    this(seed, count, baseRate, zipfExponent, Integer.MAX_VALUE);
  }

  /**
   * A generator whose categorical fields take at most {@code maxCardinality} values each: a bounded id universe,
   * where every id recurs (a soak whose model must stop growing).
   *
   * @param seed the seed of everything random: features, ground truth and labels
   * @param count the number of rows to produce; negative for an endless stream
   * @param baseRate the mean click probability the ground truth is calibrated to, in (0, 1)
   * @param zipfExponent the exponent of the Zipf law of category frequencies, in (0, 10]
   * @param maxCardinality the most values of a categorical field, &ge; 1 ({@code Integer.MAX_VALUE}: the Kaggle
   *     cardinalities)
   * @throws IllegalArgumentException if an argument is out of range
   */
  public CriteoGenerator(long seed, long count, double baseRate, double zipfExponent, int maxCardinality) {
    this(seed, count, baseRate, zipfExponent, maxCardinality, 0);
  }

  /**
   * A generator of one of a seed's streams: every stream of a seed draws from the same distribution (the same
   * category strings and their frequencies, the same ground truth), each its own rows. Stream 0 is the rows of the
   * other constructors. A model trained on one stream then meets the ids it learned in another, as a model trained
   * on yesterday's traffic does in today's.
   *
   * @param seed the seed of everything random: features, ground truth and labels
   * @param count the number of rows to produce; negative for an endless stream
   * @param baseRate the mean click probability the ground truth is calibrated to, in (0, 1)
   * @param zipfExponent the exponent of the Zipf law of category frequencies, in (0, 10]
   * @param maxCardinality the most values of a categorical field, &ge; 1 ({@code Integer.MAX_VALUE}: the Kaggle
   *     cardinalities)
   * @param stream which of the seed's streams of rows
   * @throws IllegalArgumentException if an argument is out of range
   */
  public CriteoGenerator(long seed, long count, double baseRate, double zipfExponent, int maxCardinality,
      long stream) {
    if (maxCardinality < 1) {
      throw new IllegalArgumentException("maxCardinality must be >= 1, was " + maxCardinality);
    }
    if (!(baseRate > 0.0 && baseRate < 1.0)) {
      throw new IllegalArgumentException("baseRate must be in (0, 1), was " + baseRate);
    }
    if (!(zipfExponent > 0.0 && zipfExponent <= 10.0)) {
      throw new IllegalArgumentException("zipfExponent must be in (0, 10], was " + zipfExponent);
    }
    this.seed = seed;
    this.count = count;
    this.baseRate = baseRate;
    this.truth = calibrate(seed, baseRate, zipfExponent, maxCardinality);
    this.sampler =
        new FeatureSampler(seed, Hashing.hash(seed, ROW_STREAM_SALT, stream), zipfExponent, maxCardinality);
    Schema schema = CriteoFeatures.getClassSchema();
    for (int i = 0; i < integerPos.length; i++) {
      integerPos[i] = schema.getField("I" + (i + 1)).pos();
    }
    for (int f = 0; f < categoricalPos.length; f++) {
      categoricalPos[f] = schema.getField("C" + (f + 1)).pos();
    }
    LOG.info(
        "Generator seed {}: {} rows, base rate {}, Zipf exponent {}, ground-truth bias {}",
        seed, count < 0 ? "endless" : count, baseRate, zipfExponent, truth.bias());
  }

  /**
   * The ground truth of a seed with its bias set so that the mean probability over a sample of
   * impressions, drawn from a stream of their own, is the base rate.
   */
  private static GroundTruth calibrate(long seed, double baseRate, double zipfExponent, int maxCardinality) {
    GroundTruth unbiased = new GroundTruth(seed);
    FeatureSampler calibration =
        new FeatureSampler(seed, Hashing.hash(seed, CALIBRATION_STREAM_SALT, 0), zipfExponent, maxCardinality);
    long[] integers = new long[GroundTruth.INTEGER_FIELDS];
    long[] codes = new long[GroundTruth.CATEGORICAL_FIELDS];
    double[] offsets = new double[CALIBRATION_ROWS];
    for (int j = 0; j < offsets.length; j++) {
      calibration.sample(integers, codes);
      offsets[j] = unbiased.logit(integers, codes);
    }
    return unbiased.withBias(GroundTruth.biasFor(offsets, baseRate));
  }

  /**
   * The next generated impression, labelled by the ground truth.
   *
   * @return the row, or {@code null} once {@code count} rows were produced or the generator was closed
   */
  @Override
  public Row next() {
    if (closed || (count >= 0 && next >= count)) {
      return null;
    }
    sampler.sample(integers, codes);
    double p = GroundTruth.sigmoid(truth.logit(integers, codes));
    int label = sampler.rng().nextDouble() < p ? 1 : 0;
    metrics.add(p, label);

    // By position rather than through the builder: the builder validates and copies every field,
    // which costs more than drawing them.
    CriteoFeatures features = new CriteoFeatures();
    for (int i = 0; i < integers.length; i++) {
      features.put(integerPos[i], integers[i] == GroundTruth.MISSING_INTEGER ? null : integers[i]);
    }
    for (int f = 0; f < codes.length; f++) {
      features.put(categoricalPos[f], codes[f] == GroundTruth.MISSING_CATEGORY ? null : hex(codes[f]));
    }
    long index = next++;
    return new Row(index + 1, index, label, features);
  }

  private String hex(long code) {
    for (int k = 7; k >= 0; k--) {
      hex[k] = (byte) HEX_DIGITS.charAt((int) (code & 0xF));
      code >>>= 4;
    }
    return new String(hex, StandardCharsets.ISO_8859_1);
  }

  /** @return {@code "generated-seed-<seed>"} */
  @Override
  public String name() {
    return "generated-seed-" + seed;
  }

  /** Ends the stream: {@link #next()} returns {@code null} from now on. */
  @Override
  public void close() {
    closed = true;
  }

  /** @return the hidden model the labels are drawn from */
  public GroundTruth groundTruth() {
    return truth;
  }

  /** @return the click rate the ground truth was calibrated to */
  public double baseRate() {
    return baseRate;
  }

  /** @return the number of rows produced so far */
  public long generated() {
    return next;
  }

  /**
   * The ground truth's own quality on the rows produced so far: the AUC and log loss a perfect learner
   * would reach, and the observed click rate.
   *
   * @return an immutable snapshot
   */
  public StreamMetrics.Snapshot groundTruthMetrics() {
    return metrics.snapshot();
  }
}

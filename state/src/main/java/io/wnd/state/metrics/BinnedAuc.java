package io.wnd.state.metrics;

import java.util.Arrays;

/**
 * Streaming ROC AUC in constant memory.
 *
 * <p>Predictions are counted in a histogram of equal-width bins over [0, 1], one histogram per label. The
 * AUC is then the probability that a random positive is ranked above a random negative, with pairs that
 * fall in the same bin counted as half, exactly as tied scores are counted by the rank-sum (Mann-Whitney)
 * AUC. Only pairs of distinct predictions closer than one bin width can be mis-ranked, so with the default
 * {@value #DEFAULT_BINS} bins the error is far below 1e-4 unless predictions pile up in a bin.
 *
 * <p>Mutable and not thread-safe.
 */
public final class BinnedAuc {
  /** The default number of bins, 2^16: 1 MiB of counters, bin width 1.5e-5. */
  public static final int DEFAULT_BINS = 1 << 16;

  private final long[] positives;
  private final long[] negatives;
  private long positiveCount;
  private long negativeCount;

  /** An empty accumulator with {@value #DEFAULT_BINS} bins. */
  public BinnedAuc() {
    this(DEFAULT_BINS);
  }

  /**
   * An empty accumulator.
   *
   * @param bins the number of equal-width bins over [0, 1], at least 2
   * @throws IllegalArgumentException if {@code bins < 2}
   */
  public BinnedAuc(int bins) {
    if (bins < 2) {
      throw new IllegalArgumentException("bins must be at least 2, was " + bins);
    }
    positives = new long[bins];
    negatives = new long[bins];
  }

  /**
   * Counts one prediction.
   *
   * @param p the predicted probability of a positive, in [0, 1]
   * @param label 1 for a positive, 0 for a negative
   * @throws IllegalArgumentException if {@code p} is not in [0, 1] (NaN included) or the label is not 0 or 1
   */
  public void add(double p, int label) {
    if (!(p >= 0.0 && p <= 1.0)) {
      throw new IllegalArgumentException("p must be in [0, 1], was " + p);
    }
    int bin = Math.min((int) (p * positives.length), positives.length - 1);
    if (label == 1) {
      positives[bin]++;
      positiveCount++;
    } else if (label == 0) {
      negatives[bin]++;
      negativeCount++;
    } else {
      throw new IllegalArgumentException("label must be 0 or 1, was " + label);
    }
  }

  /**
   * The area under the ROC curve of the predictions counted so far.
   *
   * @return the AUC in [0, 1], or NaN while there is no positive or no negative (it is undefined then)
   */
  public double auc() {
    if (positiveCount == 0 || negativeCount == 0) {
      return Double.NaN;
    }
    // Doubles, not longs: the number of pairs overflows a long after ~3e9 rows per label.
    double correctlyRanked = 0.0;
    double negativesBelow = 0.0;
    for (int b = 0; b < positives.length; b++) {
      long pos = positives[b];
      long neg = negatives[b];
      if (pos != 0) {
        correctlyRanked += pos * (negativesBelow + 0.5 * neg);
      }
      negativesBelow += neg;
    }
    return correctlyRanked / ((double) positiveCount * (double) negativeCount);
  }

  /** @return the number of predictions counted */
  public long count() {
    return positiveCount + negativeCount;
  }

  /** @return the number of positives counted */
  public long positives() {
    return positiveCount;
  }

  /** @return the number of bins over [0, 1] */
  public int bins() {
    return positives.length;
  }

  /** Forgets every prediction counted. */
  public void reset() {
    Arrays.fill(positives, 0L);
    Arrays.fill(negatives, 0L);
    positiveCount = 0;
    negativeCount = 0;
  }

  /**
   * Adds the counts of another accumulator to this one, as if its predictions had been added here.
   *
   * @param other an accumulator with the same number of bins; it is not changed
   * @throws IllegalArgumentException if the numbers of bins differ
   */
  public void merge(BinnedAuc other) {
    if (other.positives.length != positives.length) {
      throw new IllegalArgumentException(
          "cannot merge " + other.positives.length + " bins into " + positives.length);
    }
    for (int b = 0; b < positives.length; b++) {
      positives[b] += other.positives[b];
      negatives[b] += other.negatives[b];
    }
    positiveCount += other.positiveCount;
    negativeCount += other.negativeCount;
  }
}

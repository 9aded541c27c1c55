package io.wnd.state.metrics;

/**
 * Streaming mean log loss and calibration of probability predictions.
 *
 * <p>Predictions are clipped to [{@value #EPSILON}, 1 - {@value #EPSILON}] before the logarithm, so one
 * confident mistake costs at most about 16.1 nats instead of infinity; the mean prediction is of the
 * unclipped values.
 *
 * <p>Mutable and not thread-safe.
 */
public final class LogLoss {
  /** How far from 0 and 1 predictions are clipped before taking the logarithm. */
  public static final double EPSILON = 1e-7;

  private long count;
  private long positives;
  private double sumLoss;
  private double sumPrediction;

  /** An empty accumulator. */
  public LogLoss() {}

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
    double clipped = Math.min(Math.max(p, EPSILON), 1.0 - EPSILON);
    if (label == 1) {
      sumLoss -= Math.log(clipped);
      positives++;
    } else if (label == 0) {
      // log1p keeps the precision of log(1 - p) when p is tiny, the usual case for clicks
      sumLoss -= Math.log1p(-clipped);
    } else {
      throw new IllegalArgumentException("label must be 0 or 1, was " + label);
    }
    sumPrediction += p;
    count++;
  }

  /** @return the mean log loss in nats, or NaN before the first prediction */
  public double mean() {
    return count == 0 ? Double.NaN : sumLoss / count;
  }

  /** @return the mean predicted probability, or NaN before the first prediction */
  public double meanPrediction() {
    return count == 0 ? Double.NaN : sumPrediction / count;
  }

  /** @return the fraction of positives observed, or NaN before the first prediction */
  public double observedRate() {
    return count == 0 ? Double.NaN : (double) positives / count;
  }

  /**
   * The calibration ratio: mean prediction over observed rate; 1 is well calibrated, above 1 over-predicts.
   *
   * @return the ratio, NaN before the first prediction, infinite while no positive was observed
   */
  public double calibration() {
    return count == 0 ? Double.NaN : sumPrediction / positives;
  }

  /** @return the number of predictions counted */
  public long count() {
    return count;
  }

  /** @return the number of positives counted */
  public long positives() {
    return positives;
  }

  /** Forgets every prediction counted. */
  public void reset() {
    count = 0;
    positives = 0;
    sumLoss = 0.0;
    sumPrediction = 0.0;
  }

  /**
   * Adds the counts of another accumulator to this one, as if its predictions had been added here.
   *
   * @param other the accumulator to add; it is not changed
   */
  public void merge(LogLoss other) {
    count += other.count;
    positives += other.positives;
    sumLoss += other.sumLoss;
    sumPrediction += other.sumPrediction;
  }
}

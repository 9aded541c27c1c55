package io.wnd.state.metrics;

/**
 * The quality of a stream of click predictions: AUC ({@link BinnedAuc}) together with log loss and
 * calibration ({@link LogLoss}), fed by one {@link #add} per labelled prediction.
 *
 * <p>Mutable and not thread-safe; publish {@link #snapshot()} values.
 */
public final class StreamMetrics {
  private final BinnedAuc auc;
  private final LogLoss logLoss = new LogLoss();

  /** Empty metrics whose AUC has {@value BinnedAuc#DEFAULT_BINS} bins. */
  public StreamMetrics() {
    this(BinnedAuc.DEFAULT_BINS);
  }

  /**
   * Empty metrics.
   *
   * @param aucBins the number of bins of the AUC histogram (see {@link BinnedAuc#BinnedAuc(int)})
   */
  public StreamMetrics(int aucBins) {
    auc = new BinnedAuc(aucBins);
  }

  /**
   * Counts one labelled prediction.
   *
   * @param p the predicted probability of a positive, in [0, 1]
   * @param label 1 for a positive, 0 for a negative
   * @throws IllegalArgumentException if {@code p} is not in [0, 1] or the label is not 0 or 1
   */
  public void add(double p, int label) {
    // LogLoss validates first, so a bad value leaves neither accumulator changed
    logLoss.add(p, label);
    auc.add(p, label);
  }

  /** @return the AUC so far, NaN while there is no positive or no negative */
  public double auc() {
    return auc.auc();
  }

  /** @return the mean log loss so far in nats, NaN before the first prediction */
  public double logLoss() {
    return logLoss.mean();
  }

  /** @return the number of predictions counted */
  public long count() {
    return logLoss.count();
  }

  /** @return an immutable copy of the current figures */
  public Snapshot snapshot() {
    return new Snapshot(
        logLoss.count(),
        auc.auc(),
        logLoss.mean(),
        logLoss.meanPrediction(),
        logLoss.observedRate(),
        logLoss.calibration());
  }

  /** Forgets every prediction counted. */
  public void reset() {
    auc.reset();
    logLoss.reset();
  }

  /**
   * Adds another stream's counts to this one.
   *
   * @param other metrics with the same number of AUC bins; not changed
   * @throws IllegalArgumentException if the numbers of AUC bins differ
   */
  public void merge(StreamMetrics other) {
    auc.merge(other.auc);
    logLoss.merge(other.logLoss);
  }

  /**
   * The figures of a stream at one moment.
   *
   * @param count the number of labelled predictions
   * @param auc the ROC AUC, NaN while there is no positive or no negative
   * @param logLoss the mean log loss in nats
   * @param meanPrediction the mean predicted probability
   * @param observedRate the fraction of positives
   * @param calibration {@code meanPrediction / observedRate}
   */
  public record Snapshot(
      long count,
      double auc,
      double logLoss,
      double meanPrediction,
      double observedRate,
      double calibration) {}
}

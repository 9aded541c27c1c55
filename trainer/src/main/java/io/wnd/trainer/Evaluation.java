package io.wnd.trainer;

/**
 * The quality of a model on a set of labelled examples, as the seed's {@code evaluate} reports it.
 *
 * @param rows           the number of examples
 * @param auc            the ROC AUC (binned, see {@code BinnedAuc}); NaN without both classes
 * @param logLoss        the mean log loss in nats
 * @param accuracy       the fraction of examples whose class at threshold 0.5 equals the label
 * @param meanPrediction the mean predicted probability
 * @param observedRate   the fraction of positives
 * @param calibration    {@code meanPrediction / observedRate}
 */
public record Evaluation(long rows, double auc, double logLoss, double accuracy, double meanPrediction,
                         double observedRate, double calibration) {
}

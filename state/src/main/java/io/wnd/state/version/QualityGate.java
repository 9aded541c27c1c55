package io.wnd.state.version;

import java.util.Locale;
import java.util.Map;

/**
 * The quality gate (a "blessing"): a version whose progressive log loss exceeds its parent's by more than a
 * margin is held back. The decision uses only the two manifests' metrics. A version passes when the gate is
 * disabled, when either manifest lacks a finite {@value #LOGLOSS} (the first version has no parent to compare
 * with; a manifest written without metrics cannot be judged), and always when it is a rollback (its manifest
 * names {@value Rollback#ROLLED_BACK_FROM}): a rollback is the operator's decision, and its metrics are the
 * head's, not the restored state's.
 */
public final class QualityGate {
  /** The manifest metric the gate compares. */
  public static final String LOGLOSS = "logloss";

  private final double margin;

  /**
   * @param margin the largest log-loss increase over the parent that passes (nats, &ge; 0); NaN or negative:
   *     the gate is disabled
   */
  public QualityGate(double margin) {
    this.margin = margin;
  }

  /** @return a gate that passes everything */
  public static QualityGate disabled() {
    return new QualityGate(Double.NaN);
  }

  /** @return whether the gate holds anything back */
  public boolean enabled() {
    return margin >= 0;
  }

  /** @return the margin (NaN when disabled) */
  public double margin() {
    return enabled() ? margin : Double.NaN;
  }

  /**
   * @param parentMetrics the parent's manifest metrics (empty or null when there is no parent)
   * @param metrics the version's manifest metrics
   * @return null if the version passes, else why it is held (one line, both log losses)
   */
  public String holdReason(Map<String, Double> parentMetrics, Map<String, Double> metrics) {
    if (!enabled() || parentMetrics == null || metrics == null || metrics.containsKey(Rollback.ROLLED_BACK_FROM)) {
      return null;
    }
    Double before = parentMetrics.get(LOGLOSS);
    Double after = metrics.get(LOGLOSS);
    if (before == null || after == null || !Double.isFinite(before) || !Double.isFinite(after)) {
      return null;
    }
    if (after - before > margin) {
      return String.format(Locale.ROOT, "log loss %.5f exceeds its parent's %.5f by %.5f, more than the quality gate's "
          + "margin %.5f", after, before, after - before, margin);
    }
    return null;
  }
}

package io.wnd.state.spec;

/**
 * FTRL-Proximal settings for the wide part ("Ad Click Prediction: a View from the Trenches", McMahan et al. 2013):
 * the per-coordinate rate is alpha / (beta + sqrt(sum of squared gradients)).
 *
 * @param alpha the learning-rate scale (&gt; 0)
 * @param beta  the learning-rate smoothing (&ge; 0)
 * @param l1    the L1 strength (&ge; 0); it makes the wide weights sparse
 * @param l2    the L2 strength (&ge; 0)
 */
public record FtrlSettings(double alpha, double beta, double l1, double l2) {
}

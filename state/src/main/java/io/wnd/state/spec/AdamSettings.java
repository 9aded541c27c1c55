package io.wnd.state.spec;

/**
 * Adam settings for the dense tower (trained by DL4J).
 *
 * @param learningRate the learning rate (&gt; 0)
 * @param beta1        the first-moment decay, in [0, 1)
 * @param beta2        the second-moment decay, in [0, 1)
 * @param epsilon      the denominator guard (&gt; 0)
 */
public record AdamSettings(double learningRate, double beta1, double beta2, double epsilon) {
}

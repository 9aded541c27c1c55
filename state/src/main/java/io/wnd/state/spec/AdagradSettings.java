package io.wnd.state.spec;

/**
 * Adagrad settings for the embedding rows, which are updated sparsely (only the rows a batch touched).
 *
 * @param learningRate       the base learning rate (&gt; 0)
 * @param initStd            the standard deviation of the normal distribution a new row is drawn from (&ge; 0);
 *                           small, because large initial embeddings give huge initial logits
 * @param initialAccumulator the starting value of each coordinate's squared-gradient sum (&gt; 0), which also keeps
 *                           the first steps finite
 */
public record AdagradSettings(double learningRate, double initStd, double initialAccumulator) {
}

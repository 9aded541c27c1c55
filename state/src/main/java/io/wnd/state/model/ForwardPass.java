package io.wnd.state.model;

import io.wnd.state.encode.Encoded;
import io.wnd.state.spec.FeatureSpec;

/**
 * Scores encoded examples with a {@link WideDeepModel}: {@code logit = wide + deep + bias} and
 * {@code p = sigmoid(logit)} (DESIGN §4), with plain loops over float arrays.
 *
 * <ul>
 *   <li>wide = sum over wide fields f of the wide table's weight at {@code (f, wideIds[f])} (0 when absent);
 *       only for model types with a wide part;</li>
 *   <li>deep = the MLP's output on the {@link #deepInput deep input}; only for model types with a deep part;</li>
 *   <li>bias = the tower's global bias.</li>
 * </ul>
 *
 * <p>Allocates nothing per call: it owns scratch buffers, so it is <b>not thread-safe</b>: use one instance per
 * thread (they are cheap: a few arrays of the tower's widest layer). The model must not be written while a
 * score is computed.
 */
public final class ForwardPass {

    private final WideDeepModel model;
    private final boolean useWide;
    private final boolean useDeep;
    private final int sparse;
    private final int dim;
    private final float[] input;
    private final float[] scratchA;
    private final float[] scratchB;
    private final float[] weight = new float[1];

    /**
     * A forward pass over a model.
     *
     * @param model the model (read on every call, so updates between calls are seen)
     */
    public ForwardPass(WideDeepModel model) {
        this.model = model;
        FeatureSpec spec = model.spec();
        this.useWide = spec.modelType().usesWide();
        this.useDeep = spec.modelType().usesDeep();
        this.sparse = spec.sparseCount();
        this.dim = spec.embeddingDim();
        this.input = new float[spec.deepInputSize()];
        int width = model.tower().maxWidth();
        this.scratchA = new float[width];
        this.scratchB = new float[width];
    }

    /**
     * The model this pass scores with.
     *
     * @return the model
     */
    public WideDeepModel model() {
        return model;
    }

    /**
     * The logit of an example.
     *
     * @param e the encoded example
     * @return wide + deep + bias
     */
    public double logit(Encoded e) {
        float sum = useWide ? wideLogit(e) : 0f;
        if (useDeep) {
            deepInput(e, input, 0);
            return (double) sum + model.tower().logit(input, scratchA, scratchB);
        }
        return (double) sum + model.tower().bias();
    }

    /**
     * The click probability of an example.
     *
     * @param e the encoded example
     * @return {@code sigmoid(logit(e))}
     */
    public double probability(Encoded e) {
        return sigmoid(logit(e));
    }

    /**
     * The wide part alone: the sum of the wide weights of the example's ids and crosses.
     *
     * @param e the encoded example
     * @return the wide logit (without the bias)
     */
    public float wideLogit(Encoded e) {
        long[] ids = e.wideIds();
        float sum = 0f;
        for (int f = 0; f < ids.length; f++) {
            if (model.wide().read(f, ids[f], weight, 0)) {
                sum += weight[0];
            }
        }
        return sum;
    }

    /**
     * Writes the deep tower's input for an example: the embedding of each sparse feature's id in order (zeros
     * where the table has no row) then the numerics.
     *
     * @param e      the encoded example
     * @param dst    where to write {@link FeatureSpec#deepInputSize()} floats
     * @param offset where in {@code dst} to start
     */
    public void deepInput(Encoded e, float[] dst, int offset) {
        long[] ids = e.ids();
        int p = offset;
        for (int f = 0; f < sparse; f++) {
            if (!model.embeddings().read(f, ids[f], dst, p)) {
                java.util.Arrays.fill(dst, p, p + dim, 0f);
            }
            p += dim;
        }
        float[] num = e.numeric();
        System.arraycopy(num, 0, dst, p, num.length);
    }

    /**
     * The logistic function, computed without overflow for large |x|.
     *
     * @param x a logit
     * @return 1 / (1 + e^-x)
     */
    public static double sigmoid(double x) {
        if (x >= 0) {
            return 1.0 / (1.0 + Math.exp(-x));
        }
        double ex = Math.exp(x);
        return ex / (1.0 + ex);
    }
}

package io.wnd.state.model;

import io.wnd.state.spec.Activation;
import io.wnd.state.spec.FeatureSpec;

import java.util.Arrays;
import java.util.List;

/**
 * The dense parameters: the MLP of the deep part (hidden layers with the spec's activation, then a linear output
 * layer with one unit, the deep logit) and the model's global bias. A tower with no layers (for a wide-only model)
 * holds just the bias.
 *
 * <p><b>Layout.</b> Layer {@code l} maps {@code nIn = sizes[l]} inputs to {@code nOut = sizes[l+1]} outputs with
 * {@code out[j] = act(b[j] + sum_i in[i] * W[i][j])}. Its weights are one flat array in column-major ('f')
 * order of the {@code nIn x nOut} matrix: {@code W[i][j]} is at index {@code i + j * nIn}, so each output unit's
 * weights are contiguous (the forward pass is a run of dot products). {@link #toFlat()} is: for each layer in
 * order, its {@code nIn * nOut} weights then its {@code nOut} biases; then the global bias as the very last
 * element. The first {@link #dl4jParamCount()} elements are exactly the parameter vector of a DL4J
 * {@code MultiLayerNetwork} of {@code DenseLayer}s followed by an {@code OutputLayer} of one unit with these sizes
 * (DL4J keeps each layer's W as {@code nIn x nOut} in 'f' order followed by b).
 *
 * <p>Why a global bias beside the output layer's own bias: in a wide-and-deep model it is shared by the wide and
 * the deep part and trained with the wide part, so a deep-only view (DL4J's network) and a wide-only model both
 * keep the same meaning of the output bias.
 *
 * <p>Not thread-safe for writing; the arrays returned by {@link #weights(int)} and {@link #biases(int)} are live
 * so a trainer can update them in place.
 */
public final class DenseTower {

    private final int[] sizes;
    private final Activation activation;
    private final float[][] weights;
    private final float[][] biases;
    /**
     * Per layer and input, the weights out of that input ({@code W[i][j]} at {@code [l][i][j]}), the layout
     * {@link #logit} reads:
     * built from {@link #weights} when first needed after they may have changed (null until then). Published whole
     * through the volatile field, so threads that score with one tower at once at worst build it twice.
     */
    private volatile float[][][] byInput;
    private float bias;

    /**
     * A zeroed tower.
     *
     * @param sizes      {@code [nIn, h1, …, hk, 1]} (at least 2 entries, the last 1), or empty for a bias-only
     *                   tower
     * @param activation the hidden layers' activation
     */
    public DenseTower(int[] sizes, Activation activation) {
        if (sizes.length == 1 || (sizes.length > 1 && sizes[sizes.length - 1] != 1)) {
            throw new IllegalArgumentException("layer sizes must be [nIn, hidden..., 1] or empty, got "
                    + Arrays.toString(sizes));
        }
        for (int s : sizes) {
            if (s < 1) {
                throw new IllegalArgumentException("layer sizes must be >= 1, got " + Arrays.toString(sizes));
            }
        }
        this.sizes = sizes.clone();
        this.activation = activation;
        int layers = Math.max(0, sizes.length - 1);
        this.weights = new float[layers][];
        this.biases = new float[layers][];
        for (int l = 0; l < layers; l++) {
            weights[l] = new float[sizes[l] * sizes[l + 1]];
            biases[l] = new float[sizes[l + 1]];
        }
    }

    /**
     * The zeroed tower a spec calls for: {@code [deepInputSize, hiddenLayers…, 1]} if the model has a deep
     * part, else bias-only.
     *
     * @param spec the feature spec
     * @return the tower
     */
    public static DenseTower forSpec(FeatureSpec spec) {
        return new DenseTower(sizesFor(spec), spec.activation());
    }

    /**
     * The layer sizes a spec calls for.
     *
     * @param spec the feature spec
     * @return {@code [deepInputSize, hiddenLayers…, 1]}, or empty for a wide-only model
     */
    public static int[] sizesFor(FeatureSpec spec) {
        if (!spec.modelType().usesDeep()) {
            return new int[0];
        }
        List<Integer> hidden = spec.hiddenLayers();
        int[] sizes = new int[hidden.size() + 2];
        sizes[0] = spec.deepInputSize();
        for (int i = 0; i < hidden.size(); i++) {
            sizes[i + 1] = hidden.get(i);
        }
        sizes[sizes.length - 1] = 1;
        return sizes;
    }

    /**
     * The layer sizes.
     *
     * @return a copy of {@code [nIn, h1, …, hk, 1]}, or empty for a bias-only tower
     */
    public int[] sizes() {
        return sizes.clone();
    }

    /**
     * The number of layers (hidden layers plus the output layer).
     *
     * @return 0 for a bias-only tower
     */
    public int layerCount() {
        return weights.length;
    }

    /**
     * The input width.
     *
     * @return {@code sizes[0]}, or 0 for a bias-only tower
     */
    public int inputSize() {
        return sizes.length == 0 ? 0 : sizes[0];
    }

    /**
     * The widest layer, the size a scratch buffer of {@link #logit} needs.
     *
     * @return the largest entry of {@link #sizes()}, at least 1
     */
    public int maxWidth() {
        int w = 1;
        for (int s : sizes) {
            w = Math.max(w, s);
        }
        return w;
    }

    /**
     * The hidden layers' activation.
     *
     * @return the activation
     */
    public Activation activation() {
        return activation;
    }

    /**
     * A layer's weights, live ('f' order: {@code W[i][j]} at {@code i + j * nIn}). A caller may write into it
     * until its next call of {@link #logit}.
     *
     * @param layer the layer index
     * @return the live array
     */
    public float[] weights(int layer) {
        byInput = null;
        return weights[layer];
    }

    /**
     * A layer's biases, live.
     *
     * @param layer the layer index
     * @return the live array
     */
    public float[] biases(int layer) {
        return biases[layer];
    }

    /**
     * The global bias of the model.
     *
     * @return the bias
     */
    public float bias() {
        return bias;
    }

    /**
     * Sets the global bias.
     *
     * @param value the bias
     */
    public void setBias(float value) {
        this.bias = value;
    }

    /**
     * The number of dense parameters.
     *
     * @return the length of {@link #toFlat()}
     */
    public int paramCount() {
        return dl4jParamCount() + 1;
    }

    /**
     * The number of parameters a DL4J network of these layers has: {@link #paramCount()} less the global bias.
     *
     * @return the sum over layers of {@code nIn * nOut + nOut}
     */
    public int dl4jParamCount() {
        int n = 0;
        for (int l = 0; l < weights.length; l++) {
            n += weights[l].length + biases[l].length;
        }
        return n;
    }

    /**
     * All dense parameters as one array, in the layout described on the class.
     *
     * @return a new array of {@link #paramCount()} floats
     */
    public float[] toFlat() {
        float[] flat = new float[paramCount()];
        int p = 0;
        for (int l = 0; l < weights.length; l++) {
            System.arraycopy(weights[l], 0, flat, p, weights[l].length);
            p += weights[l].length;
            System.arraycopy(biases[l], 0, flat, p, biases[l].length);
            p += biases[l].length;
        }
        flat[p] = bias;
        return flat;
    }

    /**
     * Loads all dense parameters from one array in the layout described on the class.
     *
     * @param flat {@link #paramCount()} floats
     * @return this tower
     * @throws IllegalArgumentException if the length is wrong
     */
    public DenseTower fromFlat(float[] flat) {
        if (flat.length != paramCount()) {
            throw new IllegalArgumentException("a tower of sizes " + Arrays.toString(sizes) + " has "
                    + paramCount() + " parameters, got " + flat.length);
        }
        int p = 0;
        for (int l = 0; l < weights.length; l++) {
            System.arraycopy(flat, p, weights[l], 0, weights[l].length);
            p += weights[l].length;
            System.arraycopy(flat, p, biases[l], 0, biases[l].length);
            p += biases[l].length;
        }
        bias = flat[p];
        byInput = null;
        return this;
    }

    /**
     * A deep copy.
     *
     * @return a tower with the same sizes and parameters
     */
    public DenseTower copy() {
        return new DenseTower(sizes, activation).fromFlat(toFlat());
    }

    /**
     * The deep logit plus the global bias (just the bias for a bias-only tower). Allocates nothing.
     *
     * @param input    {@link #inputSize()} values (not changed)
     * @param scratchA a buffer of at least {@link #maxWidth()} floats (overwritten)
     * @param scratchB another such buffer (overwritten)
     * @return MLP output + bias
     */
    public float logit(float[] input, float[] scratchA, float[] scratchB) {
        int layers = weights.length;
        if (layers == 0) {
            return bias;
        }
        float[][][] t = byInput;
        if (t == null) {
            t = transposed();
            byInput = t;
        }
        float[] in = input;
        float[] out = scratchA;
        for (int l = 0; l < layers; l++) {
            int nIn = sizes[l];
            int nOut = sizes[l + 1];
            float[][] w = t[l];
            float[] b = biases[l];
            // out += x[i] * W[i][.] for each input i: a loop over the outputs whose iterations do not depend on each
            // other, which the JIT compiles to SIMD instructions (a dot product per output, a reduction, is not
            // vectorised). W[i] is an array of its own: with out[j] and W[i][j] at the same index the JIT can tell
            // that the loop's stores do not feed its loads (with an offset into one array it cannot, and does not
            // vectorise). A zero input (ReLU, a missing embedding) is skipped. The non-zero inputs are taken four at a
            // time, so that out[] is loaded and stored once per four rows of W instead of once per row.
            Arrays.fill(out, 0, nOut, 0f);
            float x0 = 0f;
            float x1 = 0f;
            float x2 = 0f;
            float[] w0 = null;
            float[] w1 = null;
            float[] w2 = null;
            int held = 0;
            for (int i = 0; i < nIn; i++) {
                float x = in[i];
                if (x == 0f) {
                    continue;
                }
                if (held == 0) {
                    x0 = x;
                    w0 = w[i];
                    held = 1;
                } else if (held == 1) {
                    x1 = x;
                    w1 = w[i];
                    held = 2;
                } else if (held == 2) {
                    x2 = x;
                    w2 = w[i];
                    held = 3;
                } else {
                    float[] w3 = w[i];
                    for (int j = 0; j < nOut; j++) {
                        out[j] += x0 * w0[j] + x1 * w1[j] + x2 * w2[j] + x * w3[j];
                    }
                    held = 0;
                }
            }
            if (held > 0) {
                for (int j = 0; j < nOut; j++) {
                    out[j] += x0 * w0[j];
                }
            }
            if (held > 1) {
                for (int j = 0; j < nOut; j++) {
                    out[j] += x1 * w1[j];
                }
            }
            if (held > 2) {
                for (int j = 0; j < nOut; j++) {
                    out[j] += x2 * w2[j];
                }
            }
            boolean hidden = l < layers - 1;
            for (int j = 0; j < nOut; j++) {
                float s = out[j] + b[j];
                out[j] = hidden ? activation.apply(s) : s;
            }
            in = out;
            out = out == scratchA ? scratchB : scratchA;
        }
        return in[0] + bias;
    }

    private float[][][] transposed() {
        float[][][] t = new float[weights.length][][];
        for (int l = 0; l < weights.length; l++) {
            int nIn = sizes[l];
            int nOut = sizes[l + 1];
            float[] w = weights[l];
            float[][] byIn = new float[nIn][nOut];
            for (int i = 0; i < nIn; i++) {
                for (int j = 0; j < nOut; j++) {
                    byIn[i][j] = w[i + j * nIn];
                }
            }
            t[l] = byIn;
        }
        return t;
    }
}

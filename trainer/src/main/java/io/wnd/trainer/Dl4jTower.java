package io.wnd.trainer;

import io.wnd.state.model.DenseTower;
import io.wnd.state.spec.Activation;
import io.wnd.state.spec.AdamSettings;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.util.List;

/**
 * The deep tower as a DL4J {@link MultiLayerNetwork}: one {@link DenseLayer} per hidden layer with the spec's
 * activation, then a one-unit {@link DenseLayer} with the identity activation that yields the deep logit.
 *
 * <p>Why the last layer is a plain dense layer and not an {@code OutputLayer}: the loss is taken on the combined
 * logit (wide + deep + bias), which the network never sees. The trainer computes dL/dlogit itself and hands it
 * to {@link MultiLayerNetwork#backpropGradient}, which DL4J only allows when the last layer has no loss; the
 * parameter layout (W as nIn x nOut in 'f' order, then b) is the same, so {@link DenseTower}'s flat array is the
 * network's parameter vector.
 *
 * <p>After every step the parameters are copied back into the {@link DenseTower}, so the plain-Java forward pass
 * the scorer serves is exactly the trained network. Not thread-safe.
 */
final class Dl4jTower {

    private final DenseTower tower;
    private final MultiLayerNetwork net;
    private final LayerWorkspaceMgr workspaces = LayerWorkspaceMgr.noWorkspaces();
    private final int inputSize;
    private int iteration;
    // what backward hands out and copies the parameters through, reused step after step: allocating them per step
    // was a tenth of the trainer's heap allocation, and so of its collections
    private float[] inputGradient = new float[0];
    private float[] parameters = new float[0];

    Dl4jTower(DenseTower tower, AdamSettings adam, long seed) {
        this.tower = tower;
        this.inputSize = tower.inputSize();
        int[] sizes = tower.sizes();
        // Workspaces off: backpropGradient reuses each layer's stored input from the forward pass, which must
        // outlive the call that computed it.
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new Adam(adam.learningRate(), adam.beta1(), adam.beta2(), adam.epsilon()))
                .trainingWorkspaceMode(WorkspaceMode.NONE)
                .inferenceWorkspaceMode(WorkspaceMode.NONE)
                .list();
        for (int l = 0; l < sizes.length - 1; l++) {
            boolean last = l == sizes.length - 2;
            list.layer(new DenseLayer.Builder()
                    .nIn(sizes[l])
                    .nOut(sizes[l + 1])
                    .activation(last ? org.nd4j.linalg.activations.Activation.IDENTITY
                            : activation(tower.activation()))
                    .build());
        }
        MultiLayerConfiguration conf = list.build();
        net = new MultiLayerNetwork(conf);
        float[] flat = tower.toFlat();
        float[] params = new float[tower.dl4jParamCount()];
        System.arraycopy(flat, 0, params, 0, params.length);
        // the tower's (seeded) weights, not DL4J's own init, so both start equal
        net.init(Nd4j.create(params, new long[] {1, params.length}, 'c'), false);
    }

    int inputSize() {
        return inputSize;
    }

    MultiLayerNetwork network() {
        return net;
    }

    /**
     * The deep logits (without the global bias) of a batch, in training mode, keeping the activations for
     * {@link #backward}.
     *
     * @param x     {@code batch * inputSize} inputs, row-major
     * @param batch the number of rows
     * @return {@code batch} logits
     */
    float[] forward(float[] x, int batch) {
        INDArray in = Nd4j.create(x, new long[] {batch, inputSize}, 'c');
        net.setInput(in);
        // clearInputs = false: each layer keeps its input for backpropGradient
        List<INDArray> acts = net.feedForward(true, false);
        return toFloats(acts.get(acts.size() - 1), batch);
    }

    /**
     * The deep logits of a batch in inference mode (nothing kept).
     *
     * @param x     {@code batch * inputSize} inputs, row-major
     * @param batch the number of rows
     * @return {@code batch} logits
     */
    float[] output(float[] x, int batch) {
        INDArray in = Nd4j.create(x, new long[] {batch, inputSize}, 'c');
        return toFloats(net.output(in, false), batch);
    }

    /**
     * Back-propagates dL/d(deep logit) through the batch of the last {@link #forward}, takes one Adam step on the
     * batch mean of the parameter gradients, copies the parameters into the {@link DenseTower}, and returns the
     * gradient with respect to the input.
     *
     * @param dLogit {@code batch} per-example gradients of the loss with respect to the deep logit
     * @param batch  the number of rows
     * @return {@code batch * inputSize} per-example input gradients, row-major (not divided by the batch size), in an
     *         array of at least that length that the next call overwrites
     */
    float[] backward(float[] dLogit, int batch) {
        INDArray eps = Nd4j.create(dLogit, new long[] {batch, 1}, 'c');
        Pair<Gradient, INDArray> result = net.backpropGradient(eps, workspaces);
        Gradient gradient = result.getFirst();
        if (inputGradient.length < batch * inputSize) {
            inputGradient = new float[batch * inputSize];
        }
        copy(result.getSecond(), batch * inputSize, inputGradient);
        // the updater divides by the batch size (mini-batch mean) and turns the gradient into Adam's step in place
        net.getUpdater().update(net, gradient, iteration, 0, batch, workspaces);
        net.params().subi(gradient.gradient());
        iteration++;
        net.setIterationCount(iteration);
        copyBack();
        return inputGradient;
    }

    private void copyBack() {
        INDArray p = net.params();
        if (parameters.length != p.length()) {
            parameters = new float[Math.toIntExact(p.length())];
        }
        float[] values = parameters;
        copy(p, values.length, values);
        int layers = tower.layerCount();
        int off = 0;
        for (int l = 0; l < layers; l++) {
            float[] w = tower.weights(l);
            System.arraycopy(values, off, w, 0, w.length);
            off += w.length;
            float[] b = tower.biases(l);
            System.arraycopy(values, off, b, 0, b.length);
            off += b.length;
        }
    }

    /** Copies an array's values in row-major order into {@code dst}, through no array of the heap's. */
    private static void copy(INDArray a, int expected, float[] dst) {
        INDArray c = a.isView() || a.ordering() != 'c' ? a.dup('c') : a;
        if (c.length() != expected) {
            throw new IllegalStateException("expected " + expected + " values from DL4J, got " + c.length());
        }
        c.data().asNioFloat().get(dst, 0, expected);
    }

    private static float[] toFloats(INDArray a, int expected) {
        float[] values = new float[expected];
        copy(a, expected, values);
        return values;
    }

    private static org.nd4j.linalg.activations.Activation activation(Activation a) {
        switch (a) {
            case RELU:
                return org.nd4j.linalg.activations.Activation.RELU;
            case TANH:
                return org.nd4j.linalg.activations.Activation.TANH;
            case SIGMOID:
                return org.nd4j.linalg.activations.Activation.SIGMOID;
            default:
                return org.nd4j.linalg.activations.Activation.IDENTITY;
        }
    }
}

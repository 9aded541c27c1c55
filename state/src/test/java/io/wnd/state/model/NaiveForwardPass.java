package io.wnd.state.model;

import io.wnd.state.encode.Encoded;
import io.wnd.state.spec.Activation;
import io.wnd.state.spec.FeatureSpec;

/**
 * A second implementation of the forward pass for the tests: double precision, two-dimensional weight arrays
 * read from {@link DenseTower#toFlat()} by the documented layout, allocation everywhere, no shortcuts.
 */
final class NaiveForwardPass {

    private NaiveForwardPass() {
    }

    static double probability(WideDeepModel m, Encoded e) {
        return 1.0 / (1.0 + Math.exp(-logit(m, e)));
    }

    static double logit(WideDeepModel m, Encoded e) {
        FeatureSpec spec = m.spec();
        double[] flat = toDouble(m.tower().toFlat());
        double logit = flat[flat.length - 1];
        if (spec.modelType().usesWide()) {
            for (int f = 0; f < spec.wideFieldCount(); f++) {
                float[] w = m.wide().get(f, e.wideIds()[f]);
                if (w != null) {
                    logit += w[0];
                }
            }
        }
        if (spec.modelType().usesDeep()) {
            double[] x = new double[spec.deepInputSize()];
            int dim = spec.embeddingDim();
            for (int f = 0; f < spec.sparseCount(); f++) {
                float[] row = m.embeddings().get(f, e.ids()[f]);
                for (int d = 0; d < dim; d++) {
                    x[f * dim + d] = row == null ? 0.0 : row[d];
                }
            }
            for (int k = 0; k < e.numeric().length; k++) {
                x[spec.sparseCount() * dim + k] = e.numeric()[k];
            }
            int[] sizes = m.tower().sizes();
            int offset = 0;
            for (int l = 0; l + 1 < sizes.length; l++) {
                int nIn = sizes[l];
                int nOut = sizes[l + 1];
                double[][] w = new double[nIn][nOut];
                for (int i = 0; i < nIn; i++) {
                    for (int j = 0; j < nOut; j++) {
                        w[i][j] = flat[offset + i + j * nIn];
                    }
                }
                offset += nIn * nOut;
                double[] y = new double[nOut];
                for (int j = 0; j < nOut; j++) {
                    double s = flat[offset + j];
                    for (int i = 0; i < nIn; i++) {
                        s += x[i] * w[i][j];
                    }
                    boolean output = l + 2 == sizes.length;
                    y[j] = output ? s : activate(spec.activation(), s);
                }
                offset += nOut;
                x = y;
            }
            logit += x[0];
        }
        return logit;
    }

    private static double activate(Activation a, double s) {
        switch (a) {
            case RELU:
                return Math.max(0.0, s);
            case TANH:
                return Math.tanh(s);
            case SIGMOID:
                return 1.0 / (1.0 + Math.exp(-s));
            default:
                return s;
        }
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}

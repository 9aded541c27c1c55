package io.wnd.trainer;

import io.wnd.state.encode.Encoded;
import io.wnd.state.model.ForwardPass;
import io.wnd.state.model.WideDeepModel;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.spec.ModelType;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The sparse updates checked against independent computations: FTRL-Proximal by hand from the paper's formulas,
 * and the embedding step from a finite-difference gradient of the log loss through the plain-Java forward pass
 * (so DL4J's input gradient is checked too).
 */
class GradientCheckTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2024-01-01T00:00:00Z"), ZoneOffset.UTC);

    @Test
    void shouldFollowFtrlProximalPerCoordinate() {
        FeatureSpec spec = withoutWarmup(FeatureSpec.builtin("criteo").withModelType(ModelType.WIDE));
        WideDeepTrainer trainer = new WideDeepTrainer(spec, CLOCK);
        double alpha = spec.ftrl().alpha();
        double beta = spec.ftrl().beta();
        double l1 = spec.ftrl().l1();
        double l2 = spec.ftrl().l2();

        // every example carries the same ids, so each coordinate's gradient is the batch's sum of (p - y)
        List<Example> batch = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Encoded e = new Encoded(spec);
            java.util.Arrays.fill(e.wideIds(), 7L);
            batch.add(new Example(e, i < 30 ? 1 : 0));
        }
        double z = 0;
        double n = 0;
        double w = 0;
        double biasZ = 0;
        double biasN = 0;
        double bias = 0;
        int fields = spec.wideFieldCount();
        for (int step = 0; step < 6; step++) {
            double logit = fields * w + bias;
            double p = 1 / (1 + Math.exp(-logit));
            double g = 30 * (p - 1) + 10 * p;
            double[] got = trainer.train(batch);
            assertThat(got[0]).isCloseTo(p, within(1e-5));
            // McMahan et al. 2013, Algorithm 1, for one coordinate
            double sigma = (Math.sqrt(n + g * g) - Math.sqrt(n)) / alpha;
            z += g - sigma * w;
            n += g * g;
            w = Math.abs(z) <= l1 ? 0 : -(z - Math.signum(z) * l1) / ((beta + Math.sqrt(n)) / alpha + l2);
            // the bias: the same rule without L1 and L2, with n summing the per-example squared gradients
            double squares = 30 * (p - 1) * (p - 1) + 10 * p * p;
            double biasSigma = (Math.sqrt(biasN + squares) - Math.sqrt(biasN)) / alpha;
            biasZ += g - biasSigma * bias;
            biasN += squares;
            bias = -biasZ / ((beta + Math.sqrt(biasN)) / alpha);
            for (int f = 0; f < fields; f++) {
                float[] row = trainer.model().wide().get(f, 7L);
                assertThat(row == null ? 0.0 : row[0]).as("field %d after step %d", f, step)
                        .isCloseTo(w, within(1e-5 * Math.max(1, Math.abs(w))));
            }
            assertThat((double) trainer.model().tower().bias()).isCloseTo(bias, within(1e-5));
        }
        assertThat(w).as("the test must reach non-zero weights").isNotZero();
    }

    @Test
    void shouldStepEmbeddingsAlongTheFiniteDifferenceGradientWithAdagrad() {
        // tanh, not relu: a smooth tower, so central differences are accurate
        FeatureSpec spec = FeatureSpec.parse(withoutWarmup(FeatureSpec.builtin("criteo").withModelType(ModelType.DEEP))
                .toJson().replaceFirst("\"activation\"\\s*:\\s*\"relu\"", "\"activation\": \"tanh\""));
        assertThat(spec.activation()).isEqualTo(io.wnd.state.spec.Activation.TANH);
        WideDeepTrainer trainer = new WideDeepTrainer(spec, CLOCK);
        // warm the tower up on random rows so its gradients are not trivial
        for (int s = 0; s < 5; s++) {
            trainer.train(SyntheticExamples.uniform(spec, 256, 50, s));
        }
        // two sightings of ids 1..: admitted (fresh accumulators) at the end of this step
        List<Example> admit = SyntheticExamples.uniform(spec, 2, 1, 99);
        for (Example e : admit) {
            for (int f = 0; f < spec.sparseCount(); f++) {
                e.features().ids()[f] = 1_000_000L + f;
            }
        }
        trainer.train(admit);
        int field = 3;
        long id = 1_000_003L;
        float[] before = trainer.model().embeddings().get(field, id);
        assertThat(before).as("admitted after two sightings").isNotNull();

        List<Example> batch = SyntheticExamples.uniform(spec, 64, 50, 123);
        for (int i = 0; i < 64; i += 3) {
            batch.get(i).features().ids()[field] = id;
        }
        double[] grad = finiteDifference(trainer.model(), batch, field, id, before);

        trainer.train(batch);

        float[] after = trainer.model().embeddings().get(field, id);
        double lr = spec.adagrad().learningRate();
        double acc0 = spec.adagrad().initialAccumulator();
        for (int d = 0; d < spec.embeddingDim(); d++) {
            double expected = before[d] - lr * grad[d] / Math.sqrt(acc0 + grad[d] * grad[d]);
            assertThat((double) after[d]).as("dimension %d", d)
                    .isCloseTo(expected, within(2e-2 * Math.abs(expected - before[d]) + 1e-6));
        }
    }

    /** The spec with {@code warmup_batch_size} = {@code batch_size}: every batch is one step. */
    static FeatureSpec withoutWarmup(FeatureSpec spec) {
        return FeatureSpec.parse(spec.toJson().replaceFirst("\"warmup_batch_size\"\\s*:\\s*\\d+",
                "\"warmup_batch_size\": " + spec.batchSize()));
    }

    /** d(sum of log losses)/d(embedding row), central differences through the plain-Java forward pass. */
    private static double[] finiteDifference(WideDeepModel model, List<Example> batch, int field, long id,
                                             float[] row) {
        double h = 1e-2;
        double[] grad = new double[row.length];
        for (int d = 0; d < row.length; d++) {
            float[] plus = row.clone();
            plus[d] += (float) h;
            float[] minus = row.clone();
            minus[d] -= (float) h;
            model.embeddings().put(field, id, plus);
            double lp = loss(model, batch);
            model.embeddings().put(field, id, minus);
            double lm = loss(model, batch);
            grad[d] = (lp - lm) / ((double) plus[d] - (double) minus[d]);
        }
        model.embeddings().put(field, id, row);
        return grad;
    }

    private static double loss(WideDeepModel model, List<Example> batch) {
        ForwardPass pass = new ForwardPass(model);
        double sum = 0;
        for (Example e : batch) {
            double logit = pass.logit(e.features());
            // log(1 + e^-|x|) form: log loss without overflow
            sum += Math.log1p(Math.exp(-Math.abs(logit))) + Math.max(logit, 0) - e.label() * logit;
        }
        return sum;
    }
}

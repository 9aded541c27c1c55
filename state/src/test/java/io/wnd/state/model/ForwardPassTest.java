package io.wnd.state.model;

import io.wnd.avro.CriteoFeatures;
import io.wnd.state.encode.Encoded;
import io.wnd.state.encode.Encoder;
import io.wnd.state.encode.FeatureHash;
import io.wnd.state.spec.Activation;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.spec.ModelType;
import io.wnd.state.testdata.RealData;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.IndexedRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ForwardPassTest {

    @Test
    void shouldScoreATinyDeepModelAsComputedByHand() {
        FeatureSpec spec = tinySpec("deep", "relu");
        WideDeepModel model = WideDeepModel.create(spec);
        model.embeddings().put(0, FeatureHash.categoricalId("a", FeatureHash.featureSeed("c")), new float[]{0.5f});
        // input = [emb(c = a) = 0.5, emb(x_buckets) absent = 0, x = 1, y = 2]
        // W1 (row = input, column = unit) = [[2, -10], [7, 3], [1, 2], [-1, 1]], b1 = [0.5, -1];
        // W2 = [0.7, -0.4], b2 = 0.1; global bias 0.2. 'f' order lists W1 column by column.
        model.tower().fromFlat(new float[]{2, 7, 1, -1, -10, 3, 2, 1, 0.5f, -1, 0.7f, -0.4f, 0.1f, 0.2f});
        Encoder encoder = new Encoder(spec);

        Encoded e = encoder.encode(xy("a", 1, 2), encoder.newEncoded());
        ForwardPass pass = new ForwardPass(model);

        // h1 = relu(2*0.5 + 7*0 + 1*1 - 1*2 + 0.5) = relu(0.5) = 0.5; h2 = relu(-10*0.5 + 0 + 2*1 + 1*2 - 1) = relu(-2) = 0
        // logit = 0.7*0.5 - 0.4*0 + 0.1 + 0.2 = 0.65; p = 1 / (1 + e^-0.65) = 1 / 1.522045777 = 0.657010463
        assertThat(pass.logit(e)).isCloseTo(0.65, within(1e-6));
        assertThat(pass.probability(e)).isCloseTo(0.657010463, within(1e-7));
    }

    @Test
    void shouldScoreATinyWideModelAsComputedByHand() {
        FeatureSpec spec = tinySpec("wide", "relu");
        WideDeepModel model = WideDeepModel.create(spec);
        Encoder encoder = new Encoder(spec);
        Encoded e = encoder.encode(xy("a", 1, 2), encoder.newEncoded());
        long idA = FeatureHash.categoricalId("a", FeatureHash.featureSeed("c"));
        int cross = 2; // wide fields: c, x_buckets, then the cross c_x_x_buckets
        model.wide().put(0, idA, new float[]{0.25f});
        model.wide().put(1, 1L, new float[]{-0.5f}); // x = 1 falls in bucket 1 of boundaries [0, 5]
        model.wide().put(cross, e.wideIds()[cross], new float[]{1.5f});
        model.wide().put(0, FeatureHash.categoricalId("b", FeatureHash.featureSeed("c")), new float[]{100f});
        model.tower().setBias(-0.75f);

        ForwardPass pass = new ForwardPass(model);

        // 0.25 - 0.5 + 1.5 - 0.75 = 0.5; p = 1 / (1 + e^-0.5) = 0.622459331
        assertThat(e.wideIds()[1]).isEqualTo(1L);
        assertThat(pass.logit(e)).isCloseTo(0.5, within(1e-6));
        assertThat(pass.probability(e)).isCloseTo(0.622459331, within(1e-7));
    }

    @Test
    void shouldReadAMissingEmbeddingAsZeros() {
        FeatureSpec spec = tinySpec("deep", "identity");
        WideDeepModel model = WideDeepModel.create(spec);
        ForwardPass pass = new ForwardPass(model);
        Encoder encoder = new Encoder(spec);
        Encoded e = encoder.encode(xy("a", 1, 2), encoder.newEncoded());
        float[] dst = new float[spec.deepInputSize() + 1];
        java.util.Arrays.fill(dst, 9f);
        model.embeddings().put(1, 1L, new float[]{0.5f});

        pass.deepInput(e, dst, 1);

        // [offset pad, emb(c) absent -> 0, emb(x_buckets = 1) = 0.5, x = 1, y = 2]
        assertThat(dst).containsExactly(9f, 0f, 0.5f, 1f, 2f);
    }

    @ParameterizedTest
    @CsvSource({"criteo,wide_and_deep,relu", "criteo,wide,relu", "criteo,deep,tanh", "criteo-large,wide_and_deep,relu",
            "criteo,wide_and_deep,sigmoid", "criteo,deep,identity"})
    void shouldMatchANaiveDoublePrecisionPassOnRealCriteoRows(String specName, String type, String activation) {
        assumeTrue(Files.exists(RealData.CRITEO), "Criteo sample not found at " + RealData.CRITEO
                + "; skipping the forward-pass comparison on real rows");
        FeatureSpec spec = withActivation(FeatureSpec.builtin(specName)
                .withModelType(ModelType.fromJson("model_type", type)), activation);
        List<IndexedRecord> rows = new ArrayList<>();
        for (String[] t : RealData.criteoTokens(specName.equals("criteo-large") ? 60 : 300)) {
            CriteoFeatures r = RealData.criteo(t);
            rows.add(r);
        }
        assertMatchesNaive(spec, rows);
    }

    @Test
    void shouldMatchANaiveDoublePrecisionPassOnRealCensusRows() {
        assumeTrue(Files.exists(RealData.ADULT), "UCI Adult data not found at " + RealData.ADULT
                + "; skipping the forward-pass comparison on real rows");
        List<IndexedRecord> rows = new ArrayList<>();
        for (String[] t : RealData.adultTokens(300)) {
            rows.add(RealData.census(t));
        }
        assertMatchesNaive(FeatureSpec.builtin("census"), rows);
    }

    @Test
    void shouldDrawTheSameInitialModelFromTheSameSeed() {
        FeatureSpec spec = FeatureSpec.builtin("criteo");

        float[] a = WideDeepModel.create(spec).tower().toFlat();
        float[] b = WideDeepModel.create(spec).tower().toFlat();

        assertThat(a).containsExactly(b);
        FeatureSpec otherSeed = FeatureSpec.parse(spec.toJson().replace("\"seed\" : 42", "\"seed\" : 43"));
        assertThat(otherSeed.seed()).isEqualTo(43);
        assertThat(WideDeepModel.create(otherSeed).tower().toFlat()).isNotEqualTo(a);
    }

    @Test
    void shouldInitialiseTheTowerWithXavierNormalWeights() {
        FeatureSpec spec = FeatureSpec.builtin("criteo");
        DenseTower tower = WideDeepModel.create(spec).tower();
        float[] w = tower.weights(0);

        double sumSq = 0;
        for (float v : w) {
            sumSq += (double) v * v;
        }

        // 221 inputs x 100 units: std = sqrt(2 / 321) = 0.07893; 22,100 samples estimate it to about 0.5%
        assertThat(Math.sqrt(sumSq / w.length)).isCloseTo(0.07893, within(0.0015));
        assertThat(tower.biases(0)).containsOnly(0f);
    }

    @Test
    void shouldDrawEachInitialEmbeddingFromItsKeyAlone() {
        FeatureSpec spec = FeatureSpec.builtin("criteo");
        WideDeepModel model = WideDeepModel.create(spec);
        float[] first = new float[8];
        float[] again = new float[8];
        double sumSq = 0;
        int n = 0;

        model.initialEmbedding(3, 12345L, first);
        for (long id = 0; id < 5000; id++) {
            model.initialEmbedding(3, id, again);
            for (float v : again) {
                sumSq += (double) v * v;
                n++;
            }
        }
        model.initialEmbedding(3, 12345L, again);

        assertThat(again).containsExactly(first);
        // init_std 0.01 in criteo.json; 40,000 samples estimate it to about 0.4%
        assertThat(Math.sqrt(sumSq / n)).isCloseTo(spec.adagrad().initStd(), within(0.0002));
    }

    @Test
    void shouldRoundTripTheDenseParametersThroughTheFlatLayout() {
        FeatureSpec spec = FeatureSpec.builtin("census");
        DenseTower tower = WideDeepModel.create(spec).tower();
        tower.setBias(0.125f);
        tower.biases(2)[0] = -3f;

        float[] flat = tower.toFlat();
        DenseTower copy = DenseTower.forSpec(spec).fromFlat(flat);

        // [77 -> 100 -> 50 -> 1]: (77*100 + 100) + (100*50 + 50) + (50*1 + 1) + global bias, counted by hand
        assertThat(flat).hasSize(12_902);
        assertThat(tower.dl4jParamCount()).isEqualTo(12_901);
        assertThat(flat[12_900]).isEqualTo(-3f);
        assertThat(flat[12_901]).isEqualTo(0.125f);
        assertThat(copy.toFlat()).containsExactly(flat);
        // W[i][j] of layer 0 is at i + j * nIn
        assertThat(flat[5 + 7 * 77]).isEqualTo(tower.weights(0)[5 + 7 * 77]);
        assertThatThrownBy(() -> copy.fromFlat(new float[3])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("12902 parameters, got 3");
    }

    @Test
    void shouldRefusePartsThatDoNotFitTheSpec() {
        FeatureSpec spec = FeatureSpec.builtin("census");
        WideDeepModel model = WideDeepModel.create(spec);

        assertThatThrownBy(() -> new WideDeepModel(spec, model.embeddings(), model.embeddings(), model.tower()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("wide table must have dim 1");
        assertThatThrownBy(() -> new WideDeepModel(spec, model.wide(), model.embeddings(),
                DenseTower.forSpec(FeatureSpec.builtin("criteo").withModelType(ModelType.DEEP))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dense tower must have sizes");
    }

    private static void assertMatchesNaive(FeatureSpec spec, List<IndexedRecord> rows) {
        WideDeepModel model = WideDeepModel.create(spec);
        Encoder encoder = new Encoder(spec);
        SplittableRandom random = new SplittableRandom(5);
        List<Encoded> encoded = new ArrayList<>();
        for (IndexedRecord r : rows) {
            encoded.add(encoder.encode(r, encoder.newEncoded()));
        }
        // Give most keys of the data a row (some stay absent, as unadmitted ids do), with embeddings large enough
        // that the deep part moves the probability.
        float[] emb = new float[spec.embeddingDim()];
        for (Encoded e : encoded) {
            for (int f = 0; f < spec.wideFieldCount(); f++) {
                if (random.nextInt(5) > 0) {
                    model.wide().put(f, e.wideIds()[f], new float[]{(float) (random.nextGaussian() * 0.3)});
                }
            }
            for (int f = 0; f < spec.sparseCount(); f++) {
                if (random.nextInt(5) > 0) {
                    for (int d = 0; d < emb.length; d++) {
                        emb[d] = (float) (random.nextGaussian() * 0.5);
                    }
                    model.embeddings().put(f, e.ids()[f], emb);
                }
            }
        }
        model.tower().setBias(-0.3f);
        ForwardPass pass = new ForwardPass(model);
        double min = 1;
        double max = 0;

        for (Encoded e : encoded) {
            double expected = NaiveForwardPass.probability(model, e);
            double p = pass.probability(e);
            assertThat(p).isCloseTo(expected, within(1e-6));
            min = Math.min(min, expected);
            max = Math.max(max, expected);
        }
        assertThat(max - min).as("the probabilities vary, so the comparison means something").isGreaterThan(0.1);
    }

    private static FeatureSpec withActivation(FeatureSpec s, String activation) {
        return new FeatureSpec(s.name(), s.modelType(), s.numeric(), s.categorical(), s.crosses(), s.embeddingDim(),
                s.hiddenLayers(), Activation.fromJson("activation", activation), s.ftrl(), s.adagrad(), s.adam(),
                s.batchSize(), s.admissionThreshold(), s.idleExpirySeconds(), s.maxWideRows(), s.maxEmbeddingRows(),
                s.seed());
    }

    private static final Schema XY = SchemaBuilder.record("XY").fields()
            .optionalString("c").optionalDouble("x").optionalDouble("y").endRecord();

    private static IndexedRecord xy(String c, double x, double y) {
        GenericData.Record r = new GenericData.Record(XY);
        r.put("c", c);
        r.put("x", x);
        r.put("y", y);
        return r;
    }

    /** Sparse features c and x_buckets (embedding dim 1), a cross of both, numerics x and y, one hidden layer of 2. */
    private static FeatureSpec tinySpec(String type, String activation) {
        return FeatureSpec.parse("{\"name\":\"tiny\",\"model_type\":\"" + type + "\",\"numeric\":["
                + "{\"name\":\"x_buckets\",\"field\":\"x\",\"transform\":\"bucketize\",\"boundaries\":[0,5]},"
                + "{\"name\":\"x\",\"transform\":\"identity\"},{\"name\":\"y\",\"transform\":\"identity\"}],"
                + "\"categorical\":[{\"name\":\"c\"}],\"crosses\":[{\"columns\":[\"c\",\"x_buckets\"]}],"
                + "\"embedding_dim\":1,\"hidden_layers\":[2],\"activation\":\"" + activation + "\","
                + "\"optimizer\":{\"wide\":{\"type\":\"ftrl\",\"alpha\":0.1,\"beta\":1,\"l1\":0,\"l2\":0},"
                + "\"embedding\":{\"type\":\"adagrad\",\"learning_rate\":0.1,\"init_std\":0.01,"
                + "\"initial_accumulator\":0.1},\"dense\":{\"type\":\"adam\",\"learning_rate\":0.01,\"beta1\":0.9,"
                + "\"beta2\":0.999,\"epsilon\":1e-8}},\"batch_size\":4,\"admission_threshold\":1,"
                + "\"idle_expiry_seconds\":0,\"limits\":{\"max_wide_rows\":100,\"max_embedding_rows\":100},"
                + "\"seed\":3}");
    }
}

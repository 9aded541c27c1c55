package io.wnd.state.spec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class FeatureSpecTest {

    private static final Path ADULT = io.wnd.state.testdata.RealData.ADULT;
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void shouldDescribeTheSeedModelInTheDefaultCriteoSpec() {
        FeatureSpec spec = FeatureSpec.builtin(FeatureSpec.DEFAULT_BUILTIN);

        assertThat(spec.name()).isEqualTo("criteo");
        assertThat(spec.modelType()).isEqualTo(ModelType.WIDE_AND_DEEP);
        assertThat(spec.numeric()).hasSize(13).allMatch(n -> n.transform() == Transform.LOG1P);
        assertThat(spec.numeric().get(0).field()).isEqualTo("I1");
        assertThat(spec.categorical()).hasSize(26);
        assertThat(spec.categorical().get(25)).isEqualTo(CategoricalColumn.of("C26"));
        assertThat(spec.embeddingDim()).isEqualTo(8);
        assertThat(spec.hiddenLayers()).containsExactly(100, 70, 50, 25);
        assertThat(spec.activation()).isEqualTo(Activation.RELU);
        assertThat(spec.batchSize()).isEqualTo(256);
        assertThat(spec.warmupBatchSize()).isEqualTo(8);
        // 26 categoricals x 8 + 13 numerics, by hand
        assertThat(spec.deepInputSize()).isEqualTo(221);
        assertThat(spec.sparseCount()).isEqualTo(26);
        assertThat(spec.wideFieldCount()).isEqualTo(26 + spec.crosses().size());
        assertThat(spec.crosses()).isNotEmpty().contains(Cross.of("C1", "C2"));
        assertThat(spec.crossMembers(spec.crosses().indexOf(Cross.of("C1", "C2")))).containsExactly(0, 1);
    }

    @Test
    void shouldDescribeTheLargeModelInTheLargeCriteoSpec() {
        FeatureSpec spec = FeatureSpec.builtin("criteo-large");

        assertThat(spec.embeddingDim()).isEqualTo(16);
        assertThat(spec.hiddenLayers()).containsExactly(1024, 512, 256);
        assertThat(spec.deepInputSize()).isEqualTo(26 * 16 + 13);
    }

    @Test
    void shouldDescribeTheTensorFlowCensusTutorialInTheCensusSpec() {
        FeatureSpec spec = FeatureSpec.builtin("census");

        assertThat(spec.bucketizedColumns()).singleElement().satisfies(n -> {
            assertThat(n.name()).isEqualTo("age_buckets");
            assertThat(n.field()).isEqualTo("age");
            assertThat(n.boundaries()).containsExactly(18.0, 25.0, 30.0, 35.0, 40.0, 45.0, 50.0, 55.0, 60.0, 65.0);
        });
        assertThat(spec.sparseNames()).containsExactly("workclass", "education", "marital_status", "occupation",
                "relationship", "race", "gender", "native_country", "age_buckets");
        assertThat(spec.denseColumns()).extracting(NumericColumn::name)
                .containsExactly("age", "education_num", "capital_gain", "capital_loss", "hours_per_week");
        assertThat(spec.crosses()).extracting(Cross::columns).containsExactly(
                List.of("education", "occupation"),
                List.of("age_buckets", "education", "occupation"),
                List.of("native_country", "occupation"));
        assertThat(spec.crossMembers(1)).containsExactly(8, 1, 3);
        assertThat(spec.wideFieldCount()).isEqualTo(12);
        assertThat(spec.deepInputSize()).isEqualTo(9 * 8 + 5);
    }

    @Test
    void shouldStandardizeCensusColumnsWithTheMomentsOfTheAdultData() throws IOException {
        assumeTrue(Files.exists(ADULT), "UCI Adult data not found at " + ADULT + "; skipping the moments check");
        FeatureSpec spec = FeatureSpec.builtin("census");
        List<String> header = List.of("age", "workclass", "fnlwgt", "education", "education_num", "marital_status",
                "occupation", "relationship", "race", "gender", "capital_gain", "capital_loss", "hours_per_week");

        for (NumericColumn n : spec.denseColumns()) {
            if (n.transform() != Transform.STANDARDIZE) {
                continue;
            }
            int col = header.indexOf(n.field());
            double sum = 0;
            double sumSq = 0;
            long count = 0;
            try (BufferedReader in = Files.newBufferedReader(ADULT, StandardCharsets.UTF_8)) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.isBlank()) {
                        continue;
                    }
                    double x = Double.parseDouble(line.split(", ")[col]);
                    sum += x;
                    sumSq += x * x;
                    count++;
                }
            }
            double mean = sum / count;
            double std = Math.sqrt(sumSq / count - mean * mean);
            assertThat(n.mean()).as(n.name() + " mean").isCloseTo(mean, org.assertj.core.data.Offset.offset(0.01));
            assertThat(n.std()).as(n.name() + " std").isCloseTo(std, org.assertj.core.data.Offset.offset(0.01));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"criteo", "criteo-large", "census"})
    void shouldParseItsOwnJsonBackToAnEqualSpec(String name) {
        FeatureSpec spec = FeatureSpec.builtin(name);

        FeatureSpec again = FeatureSpec.parse(spec.toJson());

        assertThat(again).isEqualTo(spec);
        assertThat(again.toJson()).isEqualTo(spec.toJson());
    }

    @Test
    void shouldLoadASpecFromAFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("spec.json");
        Files.writeString(file, FeatureSpec.builtin("census").toJson());

        assertThat(FeatureSpec.load(file)).isEqualTo(FeatureSpec.builtin("census"));
    }

    @Test
    void shouldNameTheFileWhenItCannotBeRead(@TempDir Path dir) {
        Path file = dir.resolve("absent.json");

        assertThatThrownBy(() -> FeatureSpec.load(file))
                .isInstanceOf(SpecException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("cannot read");
    }

    @Test
    void shouldNameTheFileAndKeyWhenALoadedSpecIsInvalid(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, edit(s -> s.put("embedding_dim", 0)));

        assertThatThrownBy(() -> FeatureSpec.load(file))
                .isInstanceOf(SpecException.class)
                .hasMessage("feature spec: " + file + ": embedding_dim: must be >= 1, got 0");
    }

    @Test
    void shouldRefuseAnUnknownBuiltinName() {
        assertThatThrownBy(() -> FeatureSpec.builtin("imagenet"))
                .isInstanceOf(SpecException.class)
                .hasMessageContaining("imagenet")
                .hasMessageContaining("criteo, criteo-large, census");
    }

    @Test
    void shouldRefuseMalformedJson() {
        assertThatThrownBy(() -> FeatureSpec.parse("{\"name\": "))
                .isInstanceOf(SpecException.class)
                .hasMessageContaining("not valid JSON");
    }

    @Test
    void shouldRefuseAnUnknownTransform() {
        assertRefused(s -> numeric(s, 0).put("transform", "log2"),
                "numeric[0].transform", "unknown transform 'log2'");
    }

    @Test
    void shouldRefuseEmptyHiddenLayers() {
        assertRefused(s -> s.putArray("hidden_layers"), "hidden_layers", "at least one");
    }

    @Test
    void shouldRefuseANonPositiveLayerWidth() {
        assertRefused(s -> s.putArray("hidden_layers").add(10).add(0), "hidden_layers[1]", ">= 1, got 0");
    }

    @Test
    void shouldRefuseNonAscendingBoundaries() {
        assertRefused(s -> numeric(s, 0).putArray("boundaries").add(18).add(30).add(25),
                "numeric[0].boundaries", "strictly ascending, but 30.0 is followed by 25.0");
    }

    @Test
    void shouldRefuseBoundariesOnATransformThatIsNotBucketize() {
        assertRefused(s -> numeric(s, 1).putArray("boundaries").add(1),
                "numeric[1].boundaries", "only the bucketize transform");
    }

    @Test
    void shouldRefuseStandardizeWithoutAPositiveStd() {
        assertRefused(s -> numeric(s, 1).put("transform", "standardize").put("mean", 1.0).put("std", 0.0),
                "numeric[1].std", "must be > 0");
    }

    @Test
    void shouldRefuseACrossOverAnUnknownColumn() {
        assertRefused(s -> ((ObjectNode) s.withArray("crosses").get(0)).putArray("columns").add("color").add("nope"),
                "crosses[0].columns", "unknown column 'nope'");
    }

    @Test
    void shouldRefuseACrossOverADenseColumn() {
        assertRefused(s -> ((ObjectNode) s.withArray("crosses").get(0)).putArray("columns").add("color").add("price"),
                "crosses[0].columns", "'price' is a dense numeric column");
    }

    @Test
    void shouldRefuseACrossOfOneColumn() {
        assertRefused(s -> ((ObjectNode) s.withArray("crosses").get(0)).putArray("columns").add("color"),
                "crosses[0].columns", "at least 2");
    }

    @Test
    void shouldRefuseADuplicateColumn() {
        assertRefused(s -> s.withArray("categorical").addObject().put("name", "color"),
                "categorical[1].name", "duplicate column 'color'");
    }

    @Test
    void shouldRefuseANumericColumnNamedLikeACategoricalOne() {
        assertRefused(s -> numeric(s, 1).put("name", "color").put("field", "price"),
                "numeric[1].name", "duplicate column 'color'");
    }

    @Test
    void shouldRefuseAnEmbeddingDimensionBelowOne() {
        assertRefused(s -> s.put("embedding_dim", 0), "embedding_dim", "must be >= 1, got 0");
    }

    @Test
    void shouldRefuseAnUnknownActivation() {
        assertRefused(s -> s.put("activation", "gelu"), "activation", "unknown activation 'gelu'");
    }

    @Test
    void shouldRefuseAMisspeltKey() {
        assertRefused(s -> ((ObjectNode) s.get("optimizer").get("wide")).put("alpah", 0.1),
                "optimizer.wide.alpah", "unknown key");
    }

    @Test
    void shouldRefuseAMissingKey() {
        assertRefused(s -> s.remove("batch_size"), "batch_size", "is required");
    }

    @Test
    void shouldRefuseAStringWhereANumberBelongs() {
        assertRefused(s -> s.put("batch_size", "512"), "batch_size", "must be an integer");
    }

    @Test
    void shouldRefuseAWarmupBatchLargerThanTheBatch() {
        assertRefused(s -> s.put("warmup_batch_size", 9), "warmup_batch_size", "must be between 1 and batch_size (8)");
    }

    @Test
    void shouldReadASpecWithoutWarmupAsNoWarmup() {
        // specs (and model files) written before the key existed
        assertThat(FeatureSpec.parse(edit(s -> { })).warmupBatchSize()).isEqualTo(8);
        assertThat(FeatureSpec.parse(edit(s -> s.put("warmup_batch_size", 2))).warmupBatchSize()).isEqualTo(2);
    }

    @Test
    void shouldRefuseAnUnsupportedOptimizer() {
        assertRefused(s -> ((ObjectNode) s.get("optimizer").get("dense")).put("type", "sgd"),
                "optimizer.dense.type", "unsupported optimizer 'sgd'");
    }

    @Test
    void shouldRefuseAWideModelWithoutSparseFeatures() {
        assertRefused(s -> {
            s.putArray("categorical");
            s.putArray("crosses");
            numeric(s, 0).put("transform", "identity").remove("boundaries");
            s.put("model_type", "wide");
        }, "model_type", "needs a wide part");
    }

    @Test
    void shouldRefuseAnAdmissionThresholdBeyondWhatTheTrainerCounts() {
        assertRefused(s -> s.put("admission_threshold", FeatureSpec.MAX_ADMISSION_THRESHOLD + 1),
                "admission_threshold", "must be <= 1000000");
    }

    @Test
    void shouldAcceptTheMinimalSpecUsedByTheseTests() {
        FeatureSpec spec = FeatureSpec.parse(edit(s -> { }));

        assertThat(spec.sparseNames()).containsExactly("color", "size_buckets");
        assertThat(spec.denseColumns()).extracting(NumericColumn::field).containsExactly("price");
        assertThat(spec.crosses()).singleElement().isEqualTo(new Cross("color_x_size_buckets",
                List.of("color", "size_buckets")));
    }

    private void assertRefused(Consumer<ObjectNode> change, String key, String problem) {
        String json = edit(change);

        assertThatThrownBy(() -> FeatureSpec.parse(json))
                .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.key()).isEqualTo(key))
                .hasMessageStartingWith("feature spec: " + key + ": ")
                .hasMessageContaining(problem);
    }

    private static ObjectNode numeric(ObjectNode spec, int i) {
        return (ObjectNode) spec.withArray("numeric").get(i);
    }

    /** A small valid spec, changed by the test. */
    private String edit(Consumer<ObjectNode> change) {
        ObjectNode s = mapper.createObjectNode();
        s.put("name", "tiny");
        ArrayNode numeric = s.putArray("numeric");
        numeric.addObject().put("name", "size_buckets").put("field", "size").put("transform", "bucketize")
                .putArray("boundaries").add(1).add(10);
        numeric.addObject().put("name", "price").put("transform", "log1p");
        s.putArray("categorical").addObject().put("name", "color");
        s.putArray("crosses").addObject().putArray("columns").add("color").add("size_buckets");
        s.put("embedding_dim", 4);
        s.putArray("hidden_layers").add(3);
        s.put("activation", "tanh");
        ObjectNode opt = s.putObject("optimizer");
        opt.putObject("wide").put("type", "ftrl").put("alpha", 0.1).put("beta", 1).put("l1", 0).put("l2", 0);
        opt.putObject("embedding").put("type", "adagrad").put("learning_rate", 0.1).put("init_std", 0.01)
                .put("initial_accumulator", 0.1);
        opt.putObject("dense").put("type", "adam").put("learning_rate", 0.01).put("beta1", 0.9)
                .put("beta2", 0.999).put("epsilon", 1e-8);
        s.put("batch_size", 8);
        s.put("admission_threshold", 1);
        s.put("idle_expiry_seconds", 0);
        s.putObject("limits").put("max_wide_rows", 100).put("max_embedding_rows", 100);
        s.put("seed", 7);
        change.accept(s);
        return s.toString();
    }
}

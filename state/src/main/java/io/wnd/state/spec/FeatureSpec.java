package io.wnd.state.spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The feature spec of one model (DESIGN §3): which fields of the feature record are read and how, the crosses of
 * the wide part, the shape of the deep part, the optimizers, the table limits and the seed. Immutable; every
 * constructor call is validated, so a {@code FeatureSpec} in hand is always usable.
 *
 * <p><b>Sparse features</b> are the categorical columns in spec order followed by the bucketized numeric columns
 * in spec order; {@link #sparseNames()} lists them, and their position is the "field index" of the embedding
 * table and of the first {@link #sparseCount()} fields of the wide table. The wide table's fields
 * {@code sparseCount() .. wideFieldCount()-1} are the crosses in spec order. <b>Dense numerics</b> are the other
 * numeric columns in spec order ({@link #denseColumns()}).
 *
 * <p>The deep input is the concatenation of one {@code embeddingDim} vector per sparse feature followed by the dense
 * numerics: {@link #deepInputSize()} = {@code sparseCount() * embeddingDim + denseColumns().size()}.
 *
 * @param name               the model's name (non-blank)
 * @param modelType          which parts make up the logit
 * @param numeric            the numeric columns
 * @param categorical        the categorical columns
 * @param crosses            the crosses of the wide part
 * @param embeddingDim       the embedding dimension (&ge; 1)
 * @param hiddenLayers       the hidden layer widths of the MLP (non-empty, each &ge; 1)
 * @param activation         the hidden layers' activation
 * @param ftrl               the wide part's optimizer
 * @param adagrad            the embeddings' optimizer and initialisation
 * @param adam               the dense tower's optimizer
 * @param batchSize          the training mini-batch size (&ge; 1)
 * @param warmupBatchSize    the size of a new trainer's first step (1 .. batchSize); each next step is twice as
 *                           large until it reaches {@code batchSize}. Equal to {@code batchSize}: no warm-up
 * @param admissionThreshold how many times an id must be seen before it gets an embedding row (1 ..
 *                           {@value #MAX_ADMISSION_THRESHOLD}; 1 admits at first sight)
 * @param idleExpirySeconds  a row not touched for this many seconds is dropped (&ge; 0; 0 = never)
 * @param maxWideRows        the most rows the wide table may hold (&ge; 1)
 * @param maxEmbeddingRows   the most rows the embedding table may hold (&ge; 1)
 * @param seed               the seed of every random choice (initialisation, shuffling)
 */
public record FeatureSpec(String name, ModelType modelType, List<NumericColumn> numeric,
                          List<CategoricalColumn> categorical, List<Cross> crosses, int embeddingDim,
                          List<Integer> hiddenLayers, Activation activation, FtrlSettings ftrl,
                          AdagradSettings adagrad, AdamSettings adam, int batchSize, int warmupBatchSize,
                          int admissionThreshold, long idleExpirySeconds, long maxWideRows, long maxEmbeddingRows,
                          long seed) {

    /** The spec used when none is named (DESIGN §3). */
    public static final String DEFAULT_BUILTIN = "criteo";

    /** The largest {@code admission_threshold}: a million sightings before a row is far past any useful one. */
    public static final int MAX_ADMISSION_THRESHOLD = 1_000_000;

    /** Copies the lists and validates everything; see {@link SpecException} for what the user sees. */
    public FeatureSpec {
        numeric = List.copyOf(numeric);
        categorical = List.copyOf(categorical);
        crosses = List.copyOf(crosses);
        hiddenLayers = List.copyOf(hiddenLayers);
        validate(name, modelType, numeric, categorical, crosses, embeddingDim, hiddenLayers, activation, ftrl,
                adagrad, adam, batchSize, admissionThreshold, idleExpirySeconds, maxWideRows, maxEmbeddingRows);
        if (warmupBatchSize < 1 || warmupBatchSize > batchSize) {
            throw new SpecException("warmup_batch_size", "must be between 1 and batch_size (" + batchSize
                    + "), got " + warmupBatchSize);
        }
    }

    /**
     * A spec without a warm-up (its first step is a full batch), for callers written before
     * {@code warmup_batch_size} existed.
     *
     * @param name               the model's name
     * @param modelType          which parts make up the logit
     * @param numeric            the numeric columns
     * @param categorical        the categorical columns
     * @param crosses            the crosses of the wide part
     * @param embeddingDim       the embedding dimension
     * @param hiddenLayers       the hidden layer widths of the MLP
     * @param activation         the hidden layers' activation
     * @param ftrl               the wide part's optimizer
     * @param adagrad            the embeddings' optimizer and initialisation
     * @param adam               the dense tower's optimizer
     * @param batchSize          the training mini-batch size
     * @param admissionThreshold how many times an id must be seen before it gets an embedding row
     * @param idleExpirySeconds  a row not touched for this many seconds is dropped (0 = never)
     * @param maxWideRows        the most rows the wide table may hold
     * @param maxEmbeddingRows   the most rows the embedding table may hold
     * @param seed               the seed of every random choice
     */
    public FeatureSpec(String name, ModelType modelType, List<NumericColumn> numeric,
                       List<CategoricalColumn> categorical, List<Cross> crosses, int embeddingDim,
                       List<Integer> hiddenLayers, Activation activation, FtrlSettings ftrl,
                       AdagradSettings adagrad, AdamSettings adam, int batchSize, int admissionThreshold,
                       long idleExpirySeconds, long maxWideRows, long maxEmbeddingRows, long seed) {
        this(name, modelType, numeric, categorical, crosses, embeddingDim, hiddenLayers, activation, ftrl, adagrad,
                adam, batchSize, batchSize, admissionThreshold, idleExpirySeconds, maxWideRows, maxEmbeddingRows,
                seed);
    }

    /**
     * Parses a spec from JSON text (format in {@code state/src/main/resources/specs/criteo.json}).
     *
     * @param json the JSON document
     * @return the validated spec
     * @throws SpecException if the JSON is malformed, has unknown or missing keys, or describes an invalid spec
     */
    public static FeatureSpec parse(String json) {
        return SpecJson.parse(json);
    }

    /**
     * Reads and parses a spec file.
     *
     * @param file the JSON file
     * @return the validated spec
     * @throws SpecException if the file cannot be read or is invalid (the message names the file)
     */
    public static FeatureSpec load(Path file) {
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SpecException(file.toString(), "cannot read the spec file: " + e.getMessage(), e);
        }
        try {
            return parse(json);
        } catch (SpecException e) {
            throw new SpecException(file + ": " + e.key(), e.problem(), e);
        }
    }

    /**
     * One of the specs shipped with WnD Stream: {@code criteo} (the default), {@code criteo-large} or
     * {@code census}.
     *
     * @param builtinName the spec's name
     * @return the validated spec
     * @throws SpecException if there is no such built-in spec
     */
    public static FeatureSpec builtin(String builtinName) {
        String resource = "/specs/" + builtinName + ".json";
        try (InputStream in = FeatureSpec.class.getResourceAsStream(resource)) {
            if (in == null || !builtinName.matches("[A-Za-z0-9_-]+")) {
                throw new SpecException(builtinName, "no built-in spec of that name; built-in specs are "
                        + String.join(", ", builtinNames()));
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new SpecException(resource, "cannot read the built-in spec: " + e.getMessage(), e);
        }
    }

    /**
     * The names {@link #builtin(String)} accepts.
     *
     * @return the built-in spec names
     */
    public static List<String> builtinNames() {
        return List.of("criteo", "criteo-large", "census");
    }

    /**
     * This spec as JSON, with every key written out (defaults included), so it can be stored in a model manifest
     * and parsed back to an equal spec.
     *
     * @return pretty-printed JSON
     */
    public String toJson() {
        return SpecJson.write(this);
    }

    /**
     * The sparse features' names: categorical columns then bucketized numeric columns, in spec order.
     *
     * @return the names; position = field index in the embedding table and the wide table
     */
    public List<String> sparseNames() {
        List<String> names = new ArrayList<>();
        categorical.forEach(c -> names.add(c.name()));
        numeric.stream().filter(NumericColumn::isBucketized).forEach(n -> names.add(n.name()));
        return List.copyOf(names);
    }

    /**
     * The number of sparse features.
     *
     * @return categorical columns plus bucketized numeric columns
     */
    public int sparseCount() {
        return categorical.size() + bucketizedColumns().size();
    }

    /**
     * The bucketized numeric columns, in spec order (sparse features {@code categorical().size()} onwards).
     *
     * @return the columns
     */
    public List<NumericColumn> bucketizedColumns() {
        return numeric.stream().filter(NumericColumn::isBucketized).toList();
    }

    /**
     * The numeric columns that yield numbers (all but bucketize), in spec order.
     *
     * @return the columns; position = index in the encoded numeric vector
     */
    public List<NumericColumn> denseColumns() {
        return numeric.stream().filter(n -> !n.isBucketized()).toList();
    }

    /**
     * The number of fields of the wide table: sparse features then crosses.
     *
     * @return {@code sparseCount() + crosses().size()}
     */
    public int wideFieldCount() {
        return sparseCount() + crosses.size();
    }

    /**
     * The width of the deep tower's input.
     *
     * @return {@code sparseCount() * embeddingDim + denseColumns().size()}
     */
    public int deepInputSize() {
        return sparseCount() * embeddingDim + denseColumns().size();
    }

    /**
     * The sparse-feature indices of each member of a cross.
     *
     * @param crossIndex the cross's position in {@link #crosses()}
     * @return the members' positions in {@link #sparseNames()}, in the cross's order
     */
    public int[] crossMembers(int crossIndex) {
        List<String> sparse = sparseNames();
        return crosses.get(crossIndex).columns().stream().mapToInt(sparse::indexOf).toArray();
    }

    private static void validate(String name, ModelType modelType, List<NumericColumn> numeric,
                                 List<CategoricalColumn> categorical, List<Cross> crosses, int embeddingDim,
                                 List<Integer> hiddenLayers, Activation activation, FtrlSettings ftrl,
                                 AdagradSettings adagrad, AdamSettings adam, int batchSize,
                                 int admissionThreshold, long idleExpirySeconds, long maxWideRows,
                                 long maxEmbeddingRows) {
        if (name == null || name.isBlank()) {
            throw new SpecException("name", "must be a non-blank string");
        }
        require(modelType, "model_type");
        require(activation, "activation");
        require(ftrl, "optimizer.wide");
        require(adagrad, "optimizer.embedding");
        require(adam, "optimizer.dense");

        // One namespace for columns and crosses: crosses refer to columns by name, and names salt the hashes,
        // so two features with one name would silently share ids.
        Map<String, String> kindByName = new HashMap<>();
        for (int i = 0; i < categorical.size(); i++) {
            CategoricalColumn c = categorical.get(i);
            String key = "categorical[" + i + "]";
            checkName(key, c.name());
            checkField(key, c.field());
            unique(kindByName, key, c.name(), "sparse");
        }
        for (int i = 0; i < numeric.size(); i++) {
            NumericColumn n = numeric.get(i);
            String key = "numeric[" + i + "]";
            checkName(key, n.name());
            checkField(key, n.field());
            unique(kindByName, key, n.name(), n.isBucketized() ? "sparse" : "dense");
            checkNumeric(key, n);
        }
        for (int i = 0; i < crosses.size(); i++) {
            Cross x = crosses.get(i);
            String key = "crosses[" + i + "]";
            if (x.columns().size() < 2) {
                throw new SpecException(key + ".columns", "a cross needs at least 2 columns, got " + x.columns());
            }
            Set<String> seen = new HashSet<>();
            for (String member : x.columns()) {
                String kind = kindByName.get(member);
                if (kind == null || kind.equals("cross")) {
                    throw new SpecException(key + ".columns", "unknown column '" + member
                            + "'; a cross is over categorical or bucketized numeric columns of this spec");
                }
                if (kind.equals("dense")) {
                    throw new SpecException(key + ".columns", "column '" + member
                            + "' is a dense numeric column; only categorical or bucketized columns can be crossed");
                }
                if (!seen.add(member)) {
                    throw new SpecException(key + ".columns", "column '" + member + "' appears twice");
                }
            }
            checkName(key, x.name());
            unique(kindByName, key, x.name(), "cross");
        }
        if (categorical.isEmpty() && numeric.isEmpty()) {
            throw new SpecException("categorical", "the spec reads no field: give categorical and/or numeric columns");
        }
        boolean anySparse = kindByName.containsValue("sparse");
        if (modelType.usesWide() && !anySparse) {
            throw new SpecException("model_type", "'" + modelType.jsonName()
                    + "' needs a wide part, but there is no categorical or bucketized column");
        }
        positive("embedding_dim", embeddingDim);
        if (hiddenLayers.isEmpty()) {
            throw new SpecException("hidden_layers", "must list at least one hidden layer width");
        }
        for (int i = 0; i < hiddenLayers.size(); i++) {
            Integer w = hiddenLayers.get(i);
            if (w == null || w < 1) {
                throw new SpecException("hidden_layers[" + i + "]", "a layer width must be >= 1, got " + w);
            }
        }
        positiveD("optimizer.wide.alpha", ftrl.alpha());
        nonNegative("optimizer.wide.beta", ftrl.beta());
        nonNegative("optimizer.wide.l1", ftrl.l1());
        nonNegative("optimizer.wide.l2", ftrl.l2());
        positiveD("optimizer.embedding.learning_rate", adagrad.learningRate());
        nonNegative("optimizer.embedding.init_std", adagrad.initStd());
        positiveD("optimizer.embedding.initial_accumulator", adagrad.initialAccumulator());
        positiveD("optimizer.dense.learning_rate", adam.learningRate());
        unitInterval("optimizer.dense.beta1", adam.beta1());
        unitInterval("optimizer.dense.beta2", adam.beta2());
        positiveD("optimizer.dense.epsilon", adam.epsilon());
        positive("batch_size", batchSize);
        positive("admission_threshold", admissionThreshold);
        if (admissionThreshold > MAX_ADMISSION_THRESHOLD) {
            throw new SpecException("admission_threshold", "must be <= " + MAX_ADMISSION_THRESHOLD
                    + " (the trainer counts an id's sightings in 23 bits), got " + admissionThreshold);
        }
        if (idleExpirySeconds < 0) {
            throw new SpecException("idle_expiry_seconds", "must be >= 0 (0 = never), got " + idleExpirySeconds);
        }
        positive("limits.max_wide_rows", maxWideRows);
        positive("limits.max_embedding_rows", maxEmbeddingRows);
    }

    private static void checkNumeric(String key, NumericColumn n) {
        if (n.isBucketized()) {
            List<Double> b = n.boundaries();
            if (b.isEmpty()) {
                throw new SpecException(key + ".boundaries", "bucketize needs at least one boundary");
            }
            for (int j = 0; j < b.size(); j++) {
                finite(key + ".boundaries[" + j + "]", b.get(j));
                if (j > 0 && !(b.get(j) > b.get(j - 1))) {
                    throw new SpecException(key + ".boundaries", "boundaries must be strictly ascending, but "
                            + b.get(j - 1) + " is followed by " + b.get(j));
                }
            }
        } else if (!n.boundaries().isEmpty()) {
            throw new SpecException(key + ".boundaries", "only the bucketize transform takes boundaries, not "
                    + n.transform().jsonName());
        }
        if (n.transform() == Transform.STANDARDIZE) {
            if (n.mean() == null || n.std() == null) {
                throw new SpecException(key, "standardize needs both 'mean' and 'std'");
            }
            finite(key + ".mean", n.mean());
            finite(key + ".std", n.std());
            if (!(n.std() > 0)) {
                throw new SpecException(key + ".std", "must be > 0, got " + n.std());
            }
        } else if (n.mean() != null || n.std() != null) {
            throw new SpecException(key, "only the standardize transform takes 'mean' and 'std', not "
                    + n.transform().jsonName());
        }
        if (n.defaultValue() != null) {
            finite(key + ".default", n.defaultValue());
        }
    }

    private static void checkName(String key, String value) {
        if (value == null || value.isBlank()) {
            throw new SpecException(key + ".name", "must be a non-blank string");
        }
    }

    private static void checkField(String key, String value) {
        if (value == null || value.isBlank()) {
            throw new SpecException(key + ".field", "must be a non-blank string");
        }
    }

    private static void unique(Map<String, String> kindByName, String key, String name, String kind) {
        if (kindByName.putIfAbsent(name, kind) != null) {
            throw new SpecException(key + ".name", "duplicate column '" + name
                    + "': column and cross names must be unique in a spec");
        }
    }

    private static void require(Object value, String key) {
        if (value == null) {
            throw new SpecException(key, "is required");
        }
    }

    private static void positive(String key, long value) {
        if (value < 1) {
            throw new SpecException(key, "must be >= 1, got " + value);
        }
    }

    private static void positiveD(String key, double value) {
        finite(key, value);
        if (!(value > 0)) {
            throw new SpecException(key, "must be > 0, got " + value);
        }
    }

    private static void nonNegative(String key, double value) {
        finite(key, value);
        if (value < 0) {
            throw new SpecException(key, "must be >= 0, got " + value);
        }
    }

    private static void unitInterval(String key, double value) {
        finite(key, value);
        if (value < 0 || value >= 1) {
            throw new SpecException(key, "must be in [0, 1), got " + value);
        }
    }

    private static void finite(String key, Double value) {
        if (value == null || !Double.isFinite(value)) {
            throw new SpecException(key, "must be a finite number, got " + value);
        }
    }

    /**
     * A copy of this spec with another model type (e.g. to compare wide-only and deep-only models on one spec).
     *
     * @param type the model type
     * @return the copy
     */
    public FeatureSpec withModelType(ModelType type) {
        return new FeatureSpec(name, Objects.requireNonNull(type), numeric, categorical, crosses, embeddingDim,
                hiddenLayers, activation, ftrl, adagrad, adam, batchSize, warmupBatchSize, admissionThreshold,
                idleExpirySeconds, maxWideRows, maxEmbeddingRows, seed);
    }
}

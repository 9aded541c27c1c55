package io.wnd.state.model;

import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.table.InMemorySparseTable;
import io.wnd.state.table.SparseTable;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * The parameters of one wide-and-deep model, shaped by its {@link FeatureSpec}:
 * <ul>
 *   <li>{@link #wide()}: dim 1, fields = {@link FeatureSpec#wideFieldCount()} (sparse features then crosses); an
 *       absent row weighs 0;</li>
 *   <li>{@link #embeddings()}: dim = embedding_dim, fields = {@link FeatureSpec#sparseCount()}; an absent row (an
 *       id not admitted yet, or expired) reads as zeros;</li>
 *   <li>{@link #tower()}: the MLP and the global bias.</li>
 * </ul>
 * The parts a model type does not use (the wide table of a deep-only model, the embeddings and MLP of a
 * wide-only one) are present but empty, and ignored by the {@link ForwardPass}.
 *
 * <p>Not thread-safe for writing: the parts are mutable and shared, not copied.
 */
public final class WideDeepModel {

    // Odd 64-bit constant (the golden ratio) used to spread (seed, field, id) into one RNG seed.
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private static final ThreadLocal<ReseedableSplitMix> INIT_RANDOM = ThreadLocal.withInitial(ReseedableSplitMix::new);

    private final FeatureSpec spec;
    private final SparseTable wide;
    private final SparseTable embeddings;
    private final DenseTower tower;

    /**
     * Assembles a model from its parts.
     *
     * @param spec       the feature spec
     * @param wide       the wide table (dim 1, {@code spec.wideFieldCount()} fields)
     * @param embeddings the embedding table (dim {@code spec.embeddingDim()}, {@code spec.sparseCount()} fields)
     * @param tower      the dense tower, sized as {@link DenseTower#sizesFor(FeatureSpec)}
     * @throws IllegalArgumentException if a part does not fit the spec
     */
    public WideDeepModel(FeatureSpec spec, SparseTable wide, SparseTable embeddings, DenseTower tower) {
        this.spec = spec;
        this.wide = wide;
        this.embeddings = embeddings;
        this.tower = tower;
        if (wide.dim() != 1 || wide.fields() != spec.wideFieldCount()) {
            throw new IllegalArgumentException("the wide table must have dim 1 and " + spec.wideFieldCount()
                    + " fields for spec '" + spec.name() + "', got dim " + wide.dim() + " and " + wide.fields());
        }
        if (embeddings.dim() != spec.embeddingDim() || embeddings.fields() != spec.sparseCount()) {
            throw new IllegalArgumentException("the embedding table must have dim " + spec.embeddingDim() + " and "
                    + spec.sparseCount() + " fields for spec '" + spec.name() + "', got dim " + embeddings.dim()
                    + " and " + embeddings.fields());
        }
        if (!Arrays.equals(tower.sizes(), DenseTower.sizesFor(spec)) || tower.activation() != spec.activation()) {
            throw new IllegalArgumentException("the dense tower must have sizes "
                    + Arrays.toString(DenseTower.sizesFor(spec)) + " and activation "
                    + spec.activation().jsonName() + " for spec '" + spec.name() + "', got "
                    + Arrays.toString(tower.sizes()) + " and " + tower.activation().jsonName());
        }
    }

    /**
     * A new model as training starts it: empty in-memory tables (every wide weight 0, no embedding admitted),
     * the tower's weights drawn from the spec's seed with Xavier-normal init (standard deviation
     * {@code sqrt(2 / (nIn + nOut))}, DL4J's {@code WeightInit.XAVIER}), biases 0.
     *
     * @param spec the feature spec
     * @return the model
     */
    public static WideDeepModel create(FeatureSpec spec) {
        DenseTower tower = DenseTower.forSpec(spec);
        SplittableRandom random = new SplittableRandom(spec.seed());
        int[] sizes = tower.sizes();
        for (int l = 0; l < tower.layerCount(); l++) {
            double std = Math.sqrt(2.0 / (sizes[l] + sizes[l + 1]));
            float[] w = tower.weights(l);
            for (int k = 0; k < w.length; k++) {
                w[k] = (float) (random.nextGaussian() * std);
            }
        }
        return new WideDeepModel(spec,
                new InMemorySparseTable(spec.wideFieldCount(), 1, spec.maxWideRows()),
                new InMemorySparseTable(spec.sparseCount(), spec.embeddingDim(), spec.maxEmbeddingRows()),
                tower);
    }

    /**
     * The initial embedding of a newly admitted id: normal with mean 0 and standard deviation
     * {@code optimizer.embedding.init_std}, drawn from a generator seeded by (spec seed, field, id), so it does not
     * depend on the order in which ids are admitted or on which trainer admits them.
     *
     * @param field the sparse feature index
     * @param id    the id
     * @param dst   where to write {@code embeddingDim} values
     */
    public void initialEmbedding(int field, long id, float[] dst) {
        // the values of new SplittableRandom(seed), from a generator per thread (ReseedableSplitMix)
        RandomGenerator random = INIT_RANDOM.get().seed((spec.seed() * GOLDEN + field) * GOLDEN + id);
        double std = spec.adagrad().initStd();
        for (int d = 0; d < spec.embeddingDim(); d++) {
            dst[d] = (float) (random.nextGaussian() * std);
        }
    }

    /**
     * The feature spec.
     *
     * @return the spec
     */
    public FeatureSpec spec() {
        return spec;
    }

    /**
     * The wide table (dim 1).
     *
     * @return the live table
     */
    public SparseTable wide() {
        return wide;
    }

    /**
     * The embedding table.
     *
     * @return the live table
     */
    public SparseTable embeddings() {
        return embeddings;
    }

    /**
     * The dense tower and global bias.
     *
     * @return the live tower
     */
    public DenseTower tower() {
        return tower;
    }
}

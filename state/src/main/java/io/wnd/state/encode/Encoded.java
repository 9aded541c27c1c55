package io.wnd.state.encode;

import io.wnd.state.spec.FeatureSpec;

import java.util.Arrays;

/**
 * The encoded inputs of one example, a reusable holder that {@link Encoder#encode} overwrites (so a hot loop
 * allocates nothing). The arrays are returned live, not copied.
 *
 * <ul>
 *   <li>{@link #ids()}: one id per sparse feature, in {@link FeatureSpec#sparseNames()} order (categorical
 *       columns, then bucketized numeric columns): the keys of the embedding table, {@code (i, ids[i])}.</li>
 *   <li>{@link #wideIds()}: the same ids followed by one id per cross in spec order: the keys of the wide table,
 *       {@code (i, wideIds[i])}.</li>
 *   <li>{@link #numeric()}: the transformed dense numerics, in {@link FeatureSpec#denseColumns()} order.</li>
 * </ul>
 *
 * <p>Not thread-safe: one holder per thread.
 */
public final class Encoded {

    private final long[] ids;
    private final long[] wideIds;
    private final float[] numeric;

    /**
     * A zeroed holder shaped for a spec.
     *
     * @param spec the feature spec
     */
    public Encoded(FeatureSpec spec) {
        this(spec.sparseCount(), spec.crosses().size(), spec.denseColumns().size());
    }

    /**
     * A zeroed holder with explicit sizes.
     *
     * @param sparse  the number of sparse features
     * @param crosses the number of crosses
     * @param dense   the number of dense numerics
     */
    public Encoded(int sparse, int crosses, int dense) {
        this.ids = new long[sparse];
        this.wideIds = new long[sparse + crosses];
        this.numeric = new float[dense];
    }

    /**
     * The sparse features' ids (embedding keys).
     *
     * @return the live array, one id per sparse feature
     */
    public long[] ids() {
        return ids;
    }

    /**
     * The wide part's ids: the sparse features' ids then the crosses' ids.
     *
     * @return the live array
     */
    public long[] wideIds() {
        return wideIds;
    }

    /**
     * The transformed dense numerics.
     *
     * @return the live array
     */
    public float[] numeric() {
        return numeric;
    }

    /**
     * Copies another holder of the same shape into this one (e.g. to keep an example for a mini-batch).
     *
     * @param other the holder to copy
     * @return this holder
     * @throws IllegalArgumentException if the shapes differ
     */
    public Encoded copyFrom(Encoded other) {
        if (other.ids.length != ids.length || other.wideIds.length != wideIds.length
                || other.numeric.length != numeric.length) {
            throw new IllegalArgumentException("cannot copy an encoded example of another shape");
        }
        System.arraycopy(other.ids, 0, ids, 0, ids.length);
        System.arraycopy(other.wideIds, 0, wideIds, 0, wideIds.length);
        System.arraycopy(other.numeric, 0, numeric, 0, numeric.length);
        return this;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Encoded && Arrays.equals(ids, ((Encoded) o).ids)
                && Arrays.equals(wideIds, ((Encoded) o).wideIds) && Arrays.equals(numeric, ((Encoded) o).numeric);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(ids) + Arrays.hashCode(wideIds)) + Arrays.hashCode(numeric);
    }

    @Override
    public String toString() {
        return "Encoded{ids=" + Arrays.toString(ids) + ", wideIds=" + Arrays.toString(wideIds)
                + ", numeric=" + Arrays.toString(numeric) + '}';
    }
}

package io.wnd.trainer;

import io.wnd.state.version.SparseDelta;

/**
 * The sparse rows changed since the previous {@link WideDeepTrainer#drainChanges()}: what a version publishes
 * besides the dense weights, so that it costs bytes in proportion to what changed. A row that was removed (a wide
 * weight that FTRL's L1 term set back to zero, an expired embedding) is a deletion.
 *
 * @param wide       changed rows of the wide table (dim 1)
 * @param embeddings changed rows of the embedding table (dim {@code embedding_dim})
 */
public record Changes(SparseDelta wide, SparseDelta embeddings) {

    /**
     * The number of changed rows, deletions included.
     *
     * @return wide plus embedding rows
     */
    public int size() {
        return wide.size() + embeddings.size();
    }
}

/**
 * Sparse parameter tables: rows of {@code dim} floats keyed by (feature index, 64-bit id), with no bucket
 * collisions (every distinct key has its own row). {@link io.wnd.state.table.SparseTable} is the small contract
 * the model, the scorer and the trainer use; {@link io.wnd.state.table.InMemorySparseTable} keeps the rows on the
 * heap in one float slab with a primitive open-addressing index per feature. The wide table has dim 1, the
 * embedding table dim = the spec's embedding dimension.
 */
package io.wnd.state.table;

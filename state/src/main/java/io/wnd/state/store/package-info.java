/**
 * The served model: sparse rows in RocksDB (so a model larger than the heap can be served) with an
 * in-memory cache of hot rows, the dense part in memory, and atomic swaps between versions. A scorer
 * thread {@link io.wnd.state.store.ModelStore#acquire() acquires} a {@link io.wnd.state.store.ModelView}:
 * an immutable version (a RocksDB snapshot plus that version's dense weights and cache) that later
 * versions never change, so no score ever mixes two versions.
 */
package io.wnd.state.store;

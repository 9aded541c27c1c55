package io.wnd.state.store;

import io.wnd.state.version.ModelVersion;
import io.wnd.state.version.Table;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Snapshot;

/**
 * One version of the model as served: immutable, safe to read from any number of threads while later
 * versions are applied. Acquire it from {@link ModelStore#acquire()} and {@link #close()} it when done
 * (per batch of records, not per record); its RocksDB snapshot is released when the last holder of a
 * superseded view closes it.
 */
public final class ModelView implements AutoCloseable {
  private final ModelVersion version;
  private final RocksDB db;
  private final Snapshot snapshot;
  private final ReadOptions readOptions;
  private final RowCache[][] cache;
  private final int cacheLimit;
  private final AtomicInteger cached = new AtomicInteger();
  private final AtomicInteger refs = new AtomicInteger(1);
  private final LongAdder hits;
  private final LongAdder misses;
  private final LongAdder filtered;
  private final KeyFilter filter;

  ModelView(ModelVersion version, RocksDB db, RowCache[][] cache, int cacheLimit, KeyFilter filter,
      ModelStore.ReadCounters counters) {
    this.hits = counters.hits();
    this.misses = counters.misses();
    this.filtered = counters.filtered();
    this.filter = filter;
    this.version = version;
    this.db = db;
    this.snapshot = db.getSnapshot();
    this.readOptions = new ReadOptions().setSnapshot(snapshot);
    this.cache = cache;
    this.cacheLimit = cacheLimit;
    int n = 0;
    for (RowCache[] t : cache) {
      for (RowCache f : t) {
        n += f.size();
      }
    }
    cached.set(n);
  }

  /** @return rows in this view's hot-row cache */
  public int cachedRows() {
    return cached.get();
  }

  /** @return the version's manifest data and dense weights (do not modify the weights) */
  public ModelVersion version() {
    return version;
  }

  /**
   * Copies a row into a buffer.
   *
   * @param table the table
   * @param field field index
   * @param id 64-bit id
   * @param dst where the row goes ({@code dim} floats from {@code offset})
   * @param offset where in {@code dst}
   * @return true if the row exists in this version; false (dst untouched) otherwise
   */
  public boolean read(Table table, int field, long id, float[] dst, int offset) {
    RowCache[] fields = cache[table.ordinal()];
    if (field < 0 || field >= fields.length) {
      return false;
    }
    RowCache c = fields[field];
    int cachedRow = c.read(id, dst, offset);
    if (cachedRow != RowCache.MISS) {
      hits.increment();
      return cachedRow == RowCache.HIT; // else a cached absence
    }
    if (!filter.mightContain(table.ordinal(), field, id)) {
      // in no version: no RocksDB read, and no place in the cache (which then holds rows, not absences)
      filtered.increment();
      return false;
    }
    misses.increment();
    byte[] value;
    try {
      value = db.get(readOptions, RocksKeys.key(table, field, id));
    } catch (RocksDBException e) {
      throw new IllegalStateException("RocksDB read failed: " + e.getMessage(), e);
    }
    float[] row = value == null ? RocksKeys.ABSENT : RocksKeys.floats(value);
    if (cached.get() < cacheLimit && c.putIfAbsent(id, row)) {
      cached.incrementAndGet();
    }
    if (value == null) {
      return false;
    }
    System.arraycopy(row, 0, dst, offset, row.length);
    return true;
  }

  /**
   * This version as a model the plain-Java forward pass can score with: its tables read through this
   * view (snapshot and cache), its dense tower from the version's weights. Build one per thread and view.
   *
   * @param spec the feature spec of the model
   * @return the model; read-only
   */
  public io.wnd.state.model.WideDeepModel model(io.wnd.state.spec.FeatureSpec spec) {
    io.wnd.state.model.DenseTower tower = io.wnd.state.model.DenseTower.forSpec(spec).fromFlat(version.dense());
    if (spec.wideFieldCount() > cache[Table.WIDE.ordinal()].length
        || spec.sparseCount() > cache[Table.EMBEDDING.ordinal()].length) {
      throw new IllegalArgumentException("model " + spec.name() + " has more fields than this store was opened for");
    }
    return new io.wnd.state.model.WideDeepModel(spec,
        new ViewTable(this, Table.WIDE, 1, spec.wideFieldCount()),
        new ViewTable(this, Table.EMBEDDING, spec.embeddingDim(), spec.sparseCount()),
        tower);
  }

  Snapshot snapshot() {
    return snapshot;
  }

  RowCache[][] cache() {
    return cache;
  }

  boolean tryAcquire() {
    while (true) {
      int r = refs.get();
      if (r <= 0) {
        return false;
      }
      if (refs.compareAndSet(r, r + 1)) {
        return true;
      }
    }
  }

  /** Releases this holder's reference. */
  @Override
  public void close() {
    if (refs.decrementAndGet() == 0) {
      readOptions.close();
      db.releaseSnapshot(snapshot);
    }
  }

  static ByteBuffer le(byte[] b) {
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
  }
}

package io.wnd.state.store;

import io.wnd.state.version.ModelVersion;
import io.wnd.state.version.Table;
import io.wnd.state.version.VersionSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.rocksdb.CompressionType;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The served model: a {@link VersionSink} that keeps sparse rows in RocksDB and swaps versions atomically.
 *
 * <p>Staged rows are written to RocksDB at once, but every reader reads through the RocksDB snapshot of
 * its {@link ModelView}, taken when that view's version was committed, so staged rows stay invisible
 * until {@link #commit} publishes a new view (new snapshot, new dense weights, the hot-row cache carried
 * over with the changed rows' new values) with one volatile write. A refused version is undone from the current
 * view's snapshot. The directory is scratch: the models topic is the source of truth, and a store opened
 * on an existing directory starts empty. Staging is single-threaded (the reader's thread); reading is
 * thread-safe.
 */
public final class ModelStore implements VersionSink, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelStore.class);

  static {
    RocksDB.loadLibrary();
  }

  private final Path dir;
  private final Options options;
  private final WriteOptions writeOptions;
  private final RocksDB db;
  private final int[] fields;
  private final int cacheLimit;
  /**
   * A row staged while a view is in service, in staging order.
   *
   * @param key the RocksDB key (a discarded version is undone key by key)
   * @param row its new row (zero-length for a delete) when the view in service had it cached at the time, for the
   *     new view's cache; else null. A swap then costs its readers no cache miss on the rows it changed (the hot
   *     ones, as a trainer changes the rows its examples touch), where dropping them from the cache sent each
   *     one's next read to RocksDB; and it keeps no more rows than the cache holds
   */
  private record Staged(byte[] key, int table, int field, long id, float[] row) {
  }

  private final List<Staged> staged = new ArrayList<>();
  private volatile ModelView current;
  /** What the views' reads found, over all views. */
  record ReadCounters(LongAdder hits, LongAdder misses, LongAdder filtered) {
  }

  private final ReadCounters counters = new ReadCounters(new LongAdder(), new LongAdder(), new LongAdder());
  /** The keys staged so far (see {@link KeyFilter}); replaced by a larger one built from the rows when outgrown. */
  private KeyFilter filter;
  private final long initialFilterKeys;
  /** Keys deleted since the filter was built: they stay in it as false positives. */
  private long deletedSinceFilter;
  private long stagedCount;

  /**
   * Opens an empty store.
   *
   * @param dir a scratch directory (its content is deleted)
   * @param wideFields fields of the wide table (sparse features + crosses)
   * @param embeddingFields fields of the embedding table
   * @param cacheRows the most rows the hot-row cache holds, over both tables
   * @throws IOException if the directory cannot be prepared or RocksDB cannot open it
   */
  public ModelStore(Path dir, int wideFields, int embeddingFields, int cacheRows) throws IOException {
    this(dir, wideFields, embeddingFields, cacheRows, 1 << 20);
  }

  /** As above, with the key filter first sized for {@code initialFilterKeys} keys (tests make it small). */
  ModelStore(Path dir, int wideFields, int embeddingFields, int cacheRows, long initialFilterKeys) throws IOException {
    this.initialFilterKeys = initialFilterKeys;
    this.filter = new KeyFilter(initialFilterKeys);
    this.dir = dir;
    deleteRecursively(dir);
    Files.createDirectories(dir);
    this.fields = new int[] {wideFields, embeddingFields};
    this.cacheLimit = cacheRows;
    this.options = new Options().setCreateIfMissing(true).setCompressionType(CompressionType.LZ4_COMPRESSION)
        .setWriteBufferSize(64L << 20).setMaxWriteBufferNumber(3);
    // the topic is the log: a crashed store is rebuilt from it, so RocksDB's own WAL is not needed
    this.writeOptions = new WriteOptions().setDisableWAL(true);
    try {
      this.db = RocksDB.open(options, dir.toString());
    } catch (RocksDBException e) {
      options.close();
      throw new IOException("cannot open RocksDB in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * The version in service, acquired: close it when done. Null before the first commit.
   *
   * @return the current view, or null if no version has been committed
   */
  public ModelView acquire() {
    while (true) {
      ModelView v = current;
      if (v == null) {
        return null;
      }
      if (v.tryAcquire()) {
        return v;
      }
      // lost a race with a swap that released v; the next read sees the new view
    }
  }

  /** @return the version number in service, 0 for none */
  public long version() {
    ModelView v = current;
    return v == null ? 0 : v.version().version();
  }

  @Override
  public void stage(Table table, int field, long id, float[] values, int offset, int dim) {
    byte[] key = RocksKeys.key(table, field, id);
    try {
      db.put(writeOptions, key, RocksKeys.value(values, offset, dim));
    } catch (RocksDBException e) {
      throw new IllegalStateException("RocksDB write failed: " + e.getMessage(), e);
    }
    track(table, field, id, key, values, offset, dim);
  }

  @Override
  public void stageDelete(Table table, int field, long id) {
    byte[] key = RocksKeys.key(table, field, id);
    try {
      db.delete(writeOptions, key);
    } catch (RocksDBException e) {
      throw new IllegalStateException("RocksDB delete failed: " + e.getMessage(), e);
    }
    track(table, field, id, key, null, 0, 0);
  }

  /** Tracks a staged row ({@code values} from {@code offset}, {@code dim} long), or a delete ({@code values} null). */
  private void track(Table table, int field, long id, byte[] key, float[] values, int offset, int dim) {
    stagedCount++;
    if (values != null) {
      filter.add(table.ordinal(), field, id);
    } else {
      deletedSinceFilter++;
    }
    ModelView v = current;
    if (v != null) {
      // only a view in service needs protecting (undo) and its cache carrying over
      RowCache[] fields = v.cache()[table.ordinal()];
      boolean cached = field < fields.length && fields[field].contains(id);
      staged.add(new Staged(key, table.ordinal(), field, id, !cached ? null : values == null ? RocksKeys.ABSENT
          : java.util.Arrays.copyOfRange(values, offset, offset + dim)));
    }
  }

  @Override
  public void commit(ModelVersion version) {
    ModelView old = current;
    RowCache[][] cache = new RowCache[2][];
    for (int t = 0; t < 2; t++) {
      cache[t] = new RowCache[fields[t]];
      for (int f = 0; f < fields[t]; f++) {
        cache[t][f] = old == null ? new RowCache() : old.cache()[t][f].copy();
      }
    }
    // in staging order, so that an id staged twice ends with its last row. An id cached only after it was staged
    // (a reader of the old view read it meanwhile) holds its old row in the copy: it is removed
    for (Staged s : staged) {
      if (s.field() < fields[s.table()]) {
        RowCache c = cache[s.table()][s.field()];
        if (s.row() == null) {
          c.remove(s.id());
        } else {
          c.replace(s.id(), s.row());
        }
      }
    }
    if (filter.added() > filter.capacity() || deletedSinceFilter > filter.capacity() / 2) {
      filter = rebuiltFilter();
    }
    current = new ModelView(version, db, cache, cacheLimit, filter, counters);
    LOG.debug("committed v{} with {} staged rows", version.version(), stagedCount);
    clearStaged();
    if (old != null) {
      old.close(); // the store's own reference; the snapshot goes when the last reader closes it
    }
  }

  @Override
  public void discard() {
    ModelView v = current;
    if (v == null) {
      // nothing in service: every row in the store is staged; remove them all (keys are 13 bytes, table first)
      LOG.warn("discarding {} staged rows with no version in service", stagedCount);
      byte[] end = new byte[14];
      java.util.Arrays.fill(end, (byte) 0xFF);
      try {
        db.deleteRange(writeOptions, new byte[0], end);
      } catch (RocksDBException e) {
        throw new IllegalStateException("RocksDB delete failed: " + e.getMessage(), e);
      }
      clearStaged();
      return;
    }
    try (org.rocksdb.ReadOptions ro = new org.rocksdb.ReadOptions()) {
      ModelView held = acquire();
      try {
        for (Staged s : staged) {
          byte[] before = db.get(snapshotOptions(held, ro), s.key());
          if (before == null) {
            db.delete(writeOptions, s.key());
          } else {
            db.put(writeOptions, s.key(), before);
          }
        }
      } finally {
        held.close();
      }
    } catch (RocksDBException e) {
      throw new IllegalStateException("RocksDB undo failed: " + e.getMessage(), e);
    }
    clearStaged();
  }

  private static org.rocksdb.ReadOptions snapshotOptions(ModelView view, org.rocksdb.ReadOptions ro) {
    return ro.setSnapshot(view.snapshot());
  }

  private void clearStaged() {
    staged.clear();
    stagedCount = 0;
  }

  /**
   * A key filter of the rows in RocksDB now (staged ones included), sized for twice as many: the filter in use
   * has more keys than it was sized for, or too many of them were deleted since. One pass over the keys, on the
   * thread that applies versions, before the version is published (about a second per few million rows).
   */
  private KeyFilter rebuiltFilter() {
    // sized from RocksDB's estimate of its keys (one pass over them, not two); were it far too low, the next
    // commit would find the new filter outgrown and build another
    KeyFilter f = new KeyFilter(Math.max(initialFilterKeys, 2 * Math.max(0, approximateRows())));
    long keys = 0;
    try (org.rocksdb.RocksIterator it = db.newIterator()) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        java.nio.ByteBuffer k = java.nio.ByteBuffer.wrap(it.key());
        f.add(k.get(), k.getInt(), k.getLong());
        keys++;
      }
    }
    LOG.info("the model's key filter was rebuilt for {} rows ({} MB)", keys, f.capacity() * 2 / (1 << 20));
    deletedSinceFilter = 0;
    return f;
  }

  /** @return reads of sparse rows the hot-row cache answered, over every version so far */
  public long cacheHits() {
    return counters.hits().sum();
  }

  /** @return reads of sparse rows that went to RocksDB (neither cached nor ruled out), over every version so far */
  public long cacheMisses() {
    return counters.misses().sum();
  }

  /** @return reads of sparse rows the key filter ruled out (in no version), over every version so far */
  public long filteredAbsent() {
    return counters.filtered().sum();
  }

  /** @return rows in the hot-row cache of the version in service (0 for none) */
  public long cachedRows() {
    ModelView v = current;
    return v == null ? 0 : v.cachedRows();
  }

  /** @return approximate sparse rows stored (RocksDB's estimate) */
  public long approximateRows() {
    try {
      return db.getLongProperty("rocksdb.estimate-num-keys");
    } catch (RocksDBException e) {
      return -1;
    }
  }

  /** @return memory RocksDB uses for memtables and table readers, in bytes */
  public long rocksMemoryBytes() {
    try {
      return db.getLongProperty("rocksdb.cur-size-all-mem-tables") + db.getLongProperty("rocksdb.estimate-table-readers-mem");
    } catch (RocksDBException e) {
      return -1;
    }
  }

  @Override
  public void close() throws IOException {
    ModelView v = current;
    current = null;
    if (v != null) {
      v.close();
    }
    writeOptions.close();
    db.close();
    options.close();
    deleteRecursively(dir);
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}

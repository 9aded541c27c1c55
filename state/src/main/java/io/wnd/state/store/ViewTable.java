package io.wnd.state.store;

import io.wnd.state.table.SparseTable;
import io.wnd.state.version.Table;

/**
 * One table of a {@link ModelView} as a read-only {@link SparseTable}, so the plain-Java forward pass
 * scores against a served version directly. Writes are refused: a served version never changes.
 *
 * <p>Not thread-safe: one per thread and view ({@link ModelView#model}). In front of the view's shared hot-row
 * cache (a {@code ConcurrentHashMap<Long, float[]>}: a boxed key, a hash and an {@code equals} per lookup, a
 * sixth of the scorer thread's time in the profile, docs/scorer-bench.md) it keeps a small direct-mapped cache
 * of the rows it read: primitive keys, one probe, the same row arrays. A version never changes, so an entry
 * never goes stale; a new version gets a new table.
 */
final class ViewTable implements SparseTable {
  /** Slots of the per-thread cache (a power of two): 32,768, about 400 KB per table once used. */
  static final int SLOTS = 1 << 15;
  private static final int SLOT_BITS = Integer.numberOfTrailingZeros(SLOTS);
  private static final int HIT_BATCH = 1024;

  private final ModelView view;
  private final Table table;
  private final int dim;
  private final int fields;
  private long[] ids;
  private int[] fieldOf;
  private float[][] rows;
  private int pendingHits;

  ViewTable(ModelView view, Table table, int dim, int fields) {
    this.view = view;
    this.table = table;
    this.dim = dim;
    this.fields = fields;
  }

  @Override
  public int dim() {
    return dim;
  }

  @Override
  public int fields() {
    return fields;
  }

  @Override
  public long maxRows() {
    return Long.MAX_VALUE;
  }

  @Override
  public long size() {
    return -1;
  }

  @Override
  public boolean read(int field, long id, float[] dst, int offset) {
    if (rows == null) {
      ids = new long[SLOTS];
      fieldOf = new int[SLOTS];
      rows = new float[SLOTS][];
    }
    int slot = slot(field, id);
    float[] row = rows[slot];
    if (row != null && ids[slot] == id && fieldOf[slot] == field) {
      if (++pendingHits == HIT_BATCH) {
        view.countHits(HIT_BATCH);
        pendingHits = 0;
      }
    } else {
      row = view.row(table, field, id);
      if (row == null) {
        return false; // field out of range
      }
      ids[slot] = id;
      fieldOf[slot] = field;
      rows[slot] = row;
    }
    if (row.length == 0) {
      return false; // this version has no such row
    }
    System.arraycopy(row, 0, dst, offset, row.length);
    return true;
  }

  private static int slot(int field, long id) {
    long h = (id ^ ((long) field * 0x9E3779B97F4A7C15L)) * 0xBF58476D1CE4E5B9L;
    return (int) (h >>> (64 - SLOT_BITS));
  }

  @Override
  public boolean put(int field, long id, float[] row) {
    throw new IllegalStateException("a served model version is read-only");
  }

  @Override
  public boolean remove(int field, long id) {
    throw new IllegalStateException("a served model version is read-only");
  }

  @Override
  public void forEach(RowVisitor visitor) {
    throw new IllegalStateException("a served model version is not enumerable; read the models topic instead");
  }
}

package io.wnd.state.version;

import java.util.Arrays;

/**
 * Changed sparse rows of one table: (field, id) → values, or a deletion. Append-only growable arrays, so
 * a delta of a million rows costs a few flat arrays, not a million objects; {@link #clear} empties it for reuse.
 * Not thread-safe.
 */
public final class SparseDelta {
  private final Table table;
  private final int dim;
  private int size;
  private int[] fields = new int[16];
  private long[] ids = new long[16];
  private float[] values;
  private boolean[] deleted = new boolean[16];

  /**
   * @param table the table
   * @param dim floats per row
   */
  public SparseDelta(Table table, int dim) {
    if (dim < 1) {
      throw new IllegalArgumentException("dim must be >= 1, got " + dim);
    }
    this.table = table;
    this.dim = dim;
    this.values = new float[16 * dim];
  }

  /**
   * Adds a changed row.
   *
   * @param field field index
   * @param id the 64-bit id
   * @param src the row's values; {@code dim} floats from {@code offset}
   * @param offset where the row starts in {@code src}
   */
  public void put(int field, long id, float[] src, int offset) {
    grow();
    fields[size] = field;
    ids[size] = id;
    System.arraycopy(src, offset, values, size * dim, dim);
    deleted[size] = false;
    size++;
  }

  /**
   * Adds a deleted row (an expired id).
   *
   * @param field field index
   * @param id the 64-bit id
   */
  public void delete(int field, long id) {
    grow();
    fields[size] = field;
    ids[size] = id;
    Arrays.fill(values, size * dim, (size + 1) * dim, 0f);
    deleted[size] = true;
    size++;
  }

  /**
   * Makes room for {@code more} rows beyond those added, so that a caller that knows how many it will add (a drain
   * of a million changed rows) allocates the arrays once instead of doubling them twenty times.
   *
   * @param more rows about to be added (&ge; 0)
   */
  public void reserve(int more) {
    if (more < 0) {
      throw new IllegalArgumentException("more must be >= 0, got " + more);
    }
    if ((long) size + more > fields.length) {
      // at least half as much again: drains that grow a little each time (a trainer's tables filling up) then
      // reallocate a few times, not at every drain
      resize(Math.toIntExact(Math.min(Integer.MAX_VALUE - 8, Math.max((long) size + more, fields.length * 3L / 2))));
    }
  }

  /**
   * Forgets the rows added, keeping the arrays: a delta drained again and again (a trainer's, once per version) then
   * allocates nothing once it has held the largest drain, where a new delta of a million rows each time allocates
   * arrays of tens of MB that the collector must find room for (large arrays go straight to the old generation, and
   * start a concurrent collection there).
   */
  public void clear() {
    size = 0;
  }

  private void grow() {
    if (size == fields.length) {
      resize(size * 2);
    }
  }

  private void resize(int n) {
    fields = Arrays.copyOf(fields, n);
    ids = Arrays.copyOf(ids, n);
    deleted = Arrays.copyOf(deleted, n);
    values = Arrays.copyOf(values, Math.multiplyExact(n, dim));
  }

  /** @return the table */
  public Table table() {
    return table;
  }

  /** @return floats per row */
  public int dim() {
    return dim;
  }

  /** @return rows in the delta (deletions included) */
  public int size() {
    return size;
  }

  /** @param i row index @return its field */
  public int field(int i) {
    return fields[i];
  }

  /** @param i row index @return its id */
  public long id(int i) {
    return ids[i];
  }

  /** @param i row index @return whether it is a deletion */
  public boolean deleted(int i) {
    return deleted[i];
  }

  /** @return the values array; row i starts at {@code i * dim()} (do not modify) */
  public float[] values() {
    return values;
  }
}

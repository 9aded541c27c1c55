package io.wnd.state.table;

/**
 * A {@link SparseTable} on the heap: one {@link LongIndex} per field (its own {@link LongLongIndex}, or a column of a
 * {@link SharedKeyIndex} that an owner shares with another table keyed alike) maps an id to a row number, and all rows
 * live in {@link FloatPages} (pages of rows: the table grows without copying its rows), so a lookup is one probe
 * sequence and one {@code arraycopy}, with no object per row. Removed rows' slots are reused.
 *
 * <p><b>Marks.</b> A key without a row may carry a <i>mark</i> in the index instead: a negative long of the owner's
 * meaning (the trainer keeps an id's admission count and last sighting there), found by the same probe that looks
 * for the key's row, so an owner that tracks ids before they get rows needs no second table and no second cache
 * miss. A mark is not a row: {@link #read}, {@link #size}, {@link #forEach} and every copy or export ignore it;
 * {@link #putRow} replaces it. At most {@link #maxRows} keys carry marks.
 *
 * <p><b>Owner's floats.</b> A table may keep {@code extra} floats of the owner's beside each row (the trainer keeps a
 * row's optimizer state there: {@link #rowPage} and {@link #rowOffset}), in the same record, so that the row and its
 * state are one memory access, not two in different pages. They are not part of the row: reads, copies and exports
 * see {@code dim} values. A new row's extra floats are what its number last held (zeros for a number never used).
 *
 * <p>Not thread-safe: any number of threads may read at once while nobody writes; a writer needs exclusive access
 * (the scorer swaps whole models rather than writing into one being read).
 */
public final class InMemorySparseTable implements SparseTable {

    private final int dim;
    private final long maxRows;
    private final LongIndex[] index;
    private final FloatPages slab;
    private int rows;
    private long marks;
    private int[] free = new int[16];
    private int freeCount;

    /**
     * Creates an empty table.
     *
     * @param fields  the number of fields (feature indices)
     * @param dim     the row length (&ge; 1)
     * @param maxRows the most rows (&ge; 1; at most {@code Integer.MAX_VALUE / dim})
     */
    public InMemorySparseTable(int fields, int dim, long maxRows) {
        this(fields, dim, maxRows, 0);
    }

    /**
     * Creates an empty table that keeps {@code extra} floats of the owner's beside each row (see the class comment).
     *
     * @param fields  the number of fields (feature indices)
     * @param dim     the row length (&ge; 1)
     * @param maxRows the most rows (&ge; 1; at most {@code Integer.MAX_VALUE / dim})
     * @param extra   the owner's floats per row (&ge; 0)
     */
    public InMemorySparseTable(int fields, int dim, long maxRows, int extra) {
        this(newIndexes(fields), dim, maxRows, extra);
    }

    /**
     * Creates an empty table on given indexes, one per field: empty ones, which another table may share (columns of
     * {@link SharedKeyIndex}es). This table writes only the values of its own keys: row numbers and marks.
     *
     * @param index   the index of each field (empty)
     * @param dim     the row length (&ge; 1)
     * @param maxRows the most rows (&ge; 1; at most {@code Integer.MAX_VALUE / dim})
     * @param extra   the owner's floats per row (&ge; 0)
     */
    public InMemorySparseTable(LongIndex[] index, int dim, long maxRows, int extra) {
        int fields = index.length;
        if (dim < 1 || maxRows < 1 || extra < 0) {
            throw new IllegalArgumentException("extra must be >= 0, dim and maxRows >= 1; got fields="
                    + fields + ", dim=" + dim + ", maxRows=" + maxRows + ", extra=" + extra);
        }
        for (LongIndex ix : index) {
            if (ix.size() != 0) {
                throw new IllegalArgumentException("a new table's indexes must be empty");
            }
        }
        this.dim = dim;
        // the bound of the single float array the rows were kept in before FloatPages, kept so that a table's limit
        // does not depend on the version that built it (pages alone would allow up to Integer.MAX_VALUE - 1 rows)
        this.maxRows = Math.min(maxRows, (Integer.MAX_VALUE - 8) / dim);
        this.index = index.clone();
        this.slab = new FloatPages(dim + extra);
    }

    private static LongIndex[] newIndexes(int fields) {
        if (fields < 0) {
            throw new IllegalArgumentException("fields must be >= 0, got " + fields);
        }
        LongIndex[] index = new LongIndex[fields];
        for (int f = 0; f < fields; f++) {
            index[f] = new LongLongIndex();
        }
        return index;
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public int fields() {
        return index.length;
    }

    @Override
    public long maxRows() {
        return maxRows;
    }

    @Override
    public long size() {
        return rows - freeCount;
    }

    @Override
    public boolean read(int field, long id, float[] dst, int offset) {
        int row = row(field, id);
        if (row < 0) {
            return false;
        }
        System.arraycopy(slab.page(row), slab.offset(row), dst, offset, dim);
        return true;
    }

    /**
     * The row number of a key, for {@link #readRow} and {@link #writeRow}: a caller that reads a row and later
     * writes it back looks the key up once. A row number stays valid until the next {@link #remove} on this table.
     *
     * @param field the field
     * @param id    the id
     * @return the row number, or -1 if the key has no row
     */
    public int row(int field, long id) {
        return rowOf(index[field].get(id));
    }

    /**
     * A key's index entry: its row or its mark, found by one probe.
     *
     * @param field the field
     * @param id    the id
     * @return the row number + 1 ({@code > 0}; see {@link #rowOf}), the key's mark ({@code < 0}), or 0 if the key
     *         has neither
     */
    public long entry(int field, long id) {
        return index[field].get(id);
    }

    /**
     * The row number in an {@link #entry}.
     *
     * @param entry an entry
     * @return its row number, or -1 if the entry is a mark or empty
     */
    public static int rowOf(long entry) {
        return entry > 0 ? (int) (entry - 1) : -1;
    }

    /**
     * Sets the mark of a key that has no row.
     *
     * @param field the field
     * @param id    the id
     * @param mark  the mark ({@code < 0})
     * @return false if the key had no mark and {@link #maxRows} keys already carry marks (nothing stored)
     * @throws IllegalStateException if the key has a row
     */
    public boolean setMark(int field, long id, long mark) {
        if (mark >= 0) {
            throw new IllegalArgumentException("a mark is negative, got " + mark);
        }
        LongIndex ix = index[field];
        if (marks < maxRows) {
            // one probe: the put finds the key's entry or its place
            long old = ix.put(id, mark);
            if (old > 0) {
                ix.put(id, old);
                throw hasRow(field, id);
            }
            if (old == 0) {
                marks++;
            }
            return true;
        }
        // at the cap, only a key that has a mark may change it
        int slot = ix.find(id);
        if (slot < 0) {
            return false;
        }
        if (ix.valueAt(slot) > 0) {
            throw hasRow(field, id);
        }
        ix.setValueAt(slot, mark);
        return true;
    }

    private static IllegalStateException hasRow(int field, long id) {
        return new IllegalStateException("key (" + field + ", " + id + ") has a row; a mark is for keys without");
    }

    /**
     * Removes a key's mark (a row, if the key has one, stays).
     *
     * @param field the field
     * @param id    the id
     * @return whether the key had a mark
     */
    public boolean removeMark(int field, long id) {
        LongIndex ix = index[field];
        int slot = ix.find(id);
        if (slot < 0 || ix.valueAt(slot) > 0) {
            return false;
        }
        ix.removeAt(slot);
        marks--;
        return true;
    }

    /**
     * The number of keys that carry a mark.
     *
     * @return the mark count
     */
    public long marks() {
        return marks;
    }

    /**
     * Calls the visitor with every key that carries a mark, and its mark.
     *
     * @param visitor the visitor (must not change this table)
     */
    public void forEachMark(MarkVisitor visitor) {
        for (int f = 0; f < index.length; f++) {
            int field = f;
            index[f].forEach((id, value) -> {
                if (value < 0) {
                    visitor.visit(field, id, value);
                }
            });
        }
    }

    /** Visits a key and its mark. */
    @FunctionalInterface
    public interface MarkVisitor {
        /**
         * @param field the field
         * @param id    the id
         * @param mark  its mark ({@code < 0})
         */
        void visit(int field, long id, long mark);
    }

    /**
     * Reads the index word where a key's lookup starts, and nothing else: a caller about to look up many keys can
     * first touch them all in a loop of independent loads, which the CPU overlaps, so that the lookups that follow
     * find the index in its caches instead of waiting for one cache miss after another.
     *
     * @param field the field
     * @param id    the id
     * @return a value of no meaning (sum it into something that is kept, so the load is not optimised away)
     */
    public long touch(int field, long id) {
        return index[field].touch(id);
    }

    /**
     * Reads the first value of a row, and nothing else (see {@link #touch}): prefetches the row's cache line.
     *
     * @param row a row number from {@link #row}
     * @return a value of no meaning
     */
    public long touchRow(int row) {
        return Float.floatToRawIntBits(slab.page(row)[slab.offset(row)]);
    }

    /**
     * The array that holds a row and its owner's floats (see the class comment), for an owner that works on them in
     * place: the row is at {@code rowOffset(row)} to {@code rowOffset(row) + dim - 1}, the extra floats follow it.
     *
     * @param row a row number from {@link #row}
     * @return its array
     */
    public float[] rowPage(int row) {
        return slab.page(row);
    }

    /**
     * Where a row starts in its {@link #rowPage}.
     *
     * @param row a row number from {@link #row}
     * @return the offset of its first value
     */
    public int rowOffset(int row) {
        return slab.offset(row);
    }

    /**
     * Copies a row out by its number (see {@link #row}).
     *
     * @param row    a row number from {@link #row}
     * @param dst    the destination
     * @param offset where in {@code dst} the row goes
     */
    public void readRow(int row, float[] dst, int offset) {
        System.arraycopy(slab.page(row), slab.offset(row), dst, offset, dim);
    }

    /**
     * Overwrites a row by its number (see {@link #row}).
     *
     * @param row    a row number from {@link #row}
     * @param values the new values ({@code dim} of them, from index 0)
     */
    public void writeRow(int row, float[] values) {
        System.arraycopy(values, 0, slab.page(row), slab.offset(row), dim);
    }

    @Override
    public boolean put(int field, long id, float[] values) {
        return putRow(field, id, values) >= 0;
    }

    /**
     * {@link #put}, returning the row number the key has now.
     *
     * @param field  the field
     * @param id     the id
     * @param values the row ({@code dim} values)
     * @return the key's row number, or -1 if it had none and the table is at its row limit (nothing written)
     */
    public int putRow(int field, long id, float[] values) {
        if (field < 0 || field >= index.length) {
            throw new IllegalArgumentException("field " + field + " is out of range [0, " + index.length + ")");
        }
        if (values.length != dim) {
            throw new IllegalArgumentException("a row has " + dim + " values, got " + values.length);
        }
        LongIndex ix = index[field];
        int slot = ix.find(id);
        int row = slot < 0 ? -1 : rowOf(ix.valueAt(slot));
        if (row < 0) {
            if (size() >= maxRows) {
                return -1;
            }
            row = allocateRow();
            if (slot >= 0) {
                // the key's mark, replaced in its slot (allocating a row leaves the index alone)
                ix.setValueAt(slot, row + 1L);
                marks--;
            } else {
                ix.put(id, row + 1L);
            }
        }
        System.arraycopy(values, 0, slab.page(row), slab.offset(row), dim);
        return row;
    }

    @Override
    public boolean remove(int field, long id) {
        return removeRow(field, id) >= 0;
    }

    /**
     * {@link #remove}, returning the row number the key had (free for reuse from now on).
     *
     * @param field the field
     * @param id    the id
     * @return the row number, or -1 if the key had no row
     */
    public int removeRow(int field, long id) {
        LongIndex ix = index[field];
        int slot = ix.find(id);
        if (slot < 0 || ix.valueAt(slot) < 0) {
            return -1;
        }
        int row = rowOf(ix.removeAt(slot));
        if (freeCount == free.length) {
            free = java.util.Arrays.copyOf(free, free.length * 2);
        }
        free[freeCount++] = row;
        return row;
    }

    /**
     * One more than the largest row number in use or free: every row number this table has handed out is below it.
     *
     * @return the row-number bound
     */
    public int rowBound() {
        return rows;
    }

    @Override
    public void forEach(RowVisitor visitor) {
        for (int f = 0; f < index.length; f++) {
            int field = f;
            index[f].forEach((id, entry) -> {
                if (entry > 0) {
                    int row = rowOf(entry);
                    visitor.visit(field, id, slab.page(row), slab.offset(row));
                }
            });
        }
    }

    /**
     * Calls the visitor with every key and its row number (for {@link #readRow}).
     *
     * @param visitor the visitor
     */
    public void forEachRow(KeyRowVisitor visitor) {
        for (int f = 0; f < index.length; f++) {
            int field = f;
            index[f].forEach((id, entry) -> {
                if (entry > 0) {
                    visitor.visit(field, id, rowOf(entry));
                }
            });
        }
    }

    /** Visits a key and its row number. */
    @FunctionalInterface
    public interface KeyRowVisitor {
        /**
         * @param field the field
         * @param id    the id
         * @param row   its row number
         */
        void visit(int field, long id, int row);
    }

    /**
     * The row number that the {@code k}-th next new row will reuse (a row freed by a removal; {@code k = 0}: the
     * next), if nothing is removed before, so that a caller about to add rows can {@link #touchRow touch} them first;
     * or -1 if that row will be a new one at the end of the table (rows there are written in order).
     *
     * @param k how many new rows come before it (&ge; 0)
     * @return the row number, or -1
     */
    public int reusedRow(int k) {
        return k < freeCount ? free[freeCount - 1 - k] : -1;
    }

    private int allocateRow() {
        if (freeCount > 0) {
            return free[--freeCount];
        }
        int row = rows++;
        slab.ensure(row);
        return row;
    }
}

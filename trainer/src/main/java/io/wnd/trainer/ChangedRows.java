package io.wnd.trainer;

import io.wnd.state.table.FloatPages;
import io.wnd.state.table.InMemorySparseTable;
import io.wnd.state.version.SparseDelta;

import java.util.Arrays;

/**
 * The rows of one {@link InMemorySparseTable} changed since the last drain, for the next version's delta: a bit per
 * row number, and the keys removed. A bit costs nothing to set (the bitset of ten million rows is 1.25 MB, it stays
 * in the CPU caches), where a hash set of changed keys costs a cache miss per key once it holds millions.
 *
 * <p>The table's keys are kept by row number here ({@link #keyed}), so that a drain can name the row's key; the
 * caller reports every row it creates, overwrites and removes. Not thread-safe.
 */
final class ChangedRows {

    private static final int SHIFT = FloatPages.PAGE_SHIFT;
    private static final int MASK = FloatPages.PAGE_ROWS - 1;

    // the keys by row number, in pages as the table's rows are (growing copies nothing)
    private long[][] ids = new long[1][];
    private int[][] fields = new int[1][];
    private long[] dirty = new long[1];
    private final KeySlots removed = new KeySlots(1024);

    void keyed(int row, int field, long id) {
        int p = row >>> SHIFT;
        if (p >= ids.length) {
            int n = Math.max(p + 1, ids.length * 2);
            ids = Arrays.copyOf(ids, n);
            fields = Arrays.copyOf(fields, n);
        }
        if (ids[p] == null) {
            ids[p] = new long[MASK + 1];
            fields[p] = new int[MASK + 1];
        }
        int words = (row >>> 6) + 1;
        if (dirty.length < words) {
            dirty = Arrays.copyOf(dirty, Math.max(words, dirty.length * 2));
        }
        ids[p][row & MASK] = id;
        fields[p][row & MASK] = field;
    }

    /**
     * Reads where a row's key is kept, and nothing else: prefetches it for {@link #added} (see
     * {@link InMemorySparseTable#touch}).
     *
     * @return a value of no meaning
     */
    long touch(int row) {
        int p = row >>> SHIFT;
        return p < ids.length && ids[p] != null ? ids[p][row & MASK] + fields[p][row & MASK] : 0;
    }

    /** Reads where {@link #removed} will record a key, and nothing else: prefetches it (see {@link #touch}). */
    long touchRemoved(int field, long id) {
        return removed.touch(field, id);
    }

    void added(int row, int field, long id) {
        keyed(row, field, id);
        changed(row);
    }

    /** A row whose values changed (its key was recorded with {@link #added} or {@link #keyed}). */
    void changed(int row) {
        dirty[row >>> 6] |= 1L << row;
    }

    /** A row removed from the table: its number may be reused by another key from now on. */
    void removed(int row, int field, long id) {
        dirty[row >>> 6] &= ~(1L << row);
        removed.slot(field, id);
    }

    /**
     * Adds the changes to a delta and forgets them: the current values of the changed rows (in row order), and a
     * deletion for every removed key that has no row now (a key removed and added again is a changed row).
     *
     * @param table the table the rows are in
     * @param buf   a buffer of the table's row length
     * @param out   the delta
     */
    void drainInto(InMemorySparseTable table, float[] buf, SparseDelta out) {
        for (int s = 0; s < removed.size(); s++) {
            int field = removed.field(s);
            long id = removed.id(s);
            if (table.row(field, id) < 0) {
                out.delete(field, id);
            }
        }
        removed.clear();
        int changed = 0;
        for (long bits : dirty) {
            changed += Long.bitCount(bits);
        }
        out.reserve(changed);
        for (int w = 0; w < dirty.length; w++) {
            long bits = dirty[w];
            if (bits == 0) {
                continue;
            }
            dirty[w] = 0;
            while (bits != 0) {
                int row = (w << 6) + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                table.readRow(row, buf, 0);
                out.put(fields[row >>> SHIFT][row & MASK], ids[row >>> SHIFT][row & MASK], buf, 0);
            }
        }
    }
}

package io.wnd.trainer;

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

    private long[] ids = new long[16];
    private int[] fields = new int[16];
    private long[] dirty = new long[1];
    private final KeySlots removed = new KeySlots(1024);

    /**
     * Records the key of a row the table has (a row created now, or found when the trainer started), without
     * marking it changed.
     */
    void keyed(int row, int field, long id) {
        if (row >= ids.length) {
            int n = Math.max(row + 1, ids.length * 2);
            ids = Arrays.copyOf(ids, n);
            fields = Arrays.copyOf(fields, n);
            dirty = Arrays.copyOf(dirty, (n + 63) >>> 6);
        }
        ids[row] = id;
        fields[row] = field;
    }

    /** A row created now: its key, and changed. */
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
                out.put(fields[row], ids[row], buf, 0);
            }
        }
    }
}

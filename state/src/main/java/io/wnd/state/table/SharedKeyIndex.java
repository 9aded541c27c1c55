package io.wnd.state.table;

/**
 * One index for two tables keyed alike: a key has two values, each read and written through its own
 * {@link #column} as a {@link LongIndex}, so that an owner that looks a key up in both (the trainer's FTRL state and
 * embedding entry of a categorical id) finds both values in one slot: one probe, one 4 KB page, where two indexes
 * cost two address translations per key (docs/trainer-tables.md). Open addressing with linear probing and
 * backward-shift deletion, like {@link LongLongIndex}; load at most 1/2.
 *
 * <p>A slot holds a key while either of its values is not 0: removing one value leaves the key for the other, and
 * the key goes when both are gone. The slots are shared too: a write through one column may move the entries of
 * both (growth, or a removal that empties a slot), which {@link LongIndex#moves} reports to both columns.
 *
 * <p>Not thread-safe.
 */
public final class SharedKeyIndex {

    private static final int MIN_CAPACITY = 16;
    private static final int STRIDE = 3;

    // [3i] = key, [3i + 1] = value of column 0, [3i + 2] = value of column 1 (both 0 = empty slot)
    private long[] table;
    private int mask;
    private int keys;
    private final int[] sizes = new int[2];
    private long moves;
    private final Column[] columns = {new Column(0), new Column(1)};

    /** An empty index. */
    public SharedKeyIndex() {
        allocate(MIN_CAPACITY);
    }

    /**
     * One of the two values of every key, as an index of its own.
     *
     * @param c 0 or 1
     * @return the column
     */
    public LongIndex column(int c) {
        return columns[c];
    }

    /**
     * Where a key is, whichever of its values it has.
     *
     * @param key the key
     * @return its slot ({@code >= 0}), or -1 if it has neither value
     */
    public int find(long key) {
        long[] t = table;
        int i = home(key);
        while (true) {
            int at = STRIDE * i;
            if (t[at + 1] == 0 && t[at + 2] == 0) {
                return -1;
            }
            if (t[at] == key) {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    /**
     * A value at a slot from {@link #find}.
     *
     * @param slot the slot
     * @param c    the column, 0 or 1
     * @return the value (0: the key has none in this column)
     */
    public long valueAt(int slot, int c) {
        return table[STRIDE * slot + 1 + c];
    }

    /**
     * The number of keys, with either value.
     *
     * @return the key count
     */
    public int keys() {
        return keys;
    }

    /**
     * How many times entries may have moved between slots (what both columns' {@link LongIndex#moves} report).
     *
     * @return a count that only grows
     */
    public long moves() {
        return moves;
    }

    private int capacity() {
        return mask + 1;
    }

    private int home(long key) {
        return LongLongIndex.hash(key) & mask;
    }

    private long put(long key, int c, long value) {
        if (value == 0) {
            throw new IllegalArgumentException("0 is not a value (it marks an empty slot)");
        }
        int i = home(key);
        while (true) {
            int at = STRIDE * i;
            if (table[at + 1] == 0 && table[at + 2] == 0) {
                break;
            }
            if (table[at] == key) {
                long old = table[at + 1 + c];
                table[at + 1 + c] = value;
                if (old == 0) {
                    sizes[c]++;
                }
                return old;
            }
            i = (i + 1) & mask;
        }
        int at = STRIDE * i;
        table[at] = key;
        table[at + 1 + c] = value;
        sizes[c]++;
        if (++keys * 2L > capacity()) {
            rehash(capacity() * 2);
        }
        return 0;
    }

    private long clear(int slot, int c) {
        int at = STRIDE * slot;
        long old = table[at + 1 + c];
        if (old == 0) {
            throw new IllegalArgumentException("slot " + slot + " has no value in column " + c);
        }
        table[at + 1 + c] = 0;
        sizes[c]--;
        if (table[at + 2 - c] == 0) {
            shiftBack(slot);
            keys--;
            moves++;
        }
        return old;
    }

    /** Closes the gap at {@code pos} by moving back later entries of the cluster that may live there. */
    private void shiftBack(int pos) {
        long[] t = table;
        while (true) {
            int last = pos;
            pos = (pos + 1) & mask;
            while (true) {
                int at = STRIDE * pos;
                if (t[at + 1] == 0 && t[at + 2] == 0) {
                    t[STRIDE * last + 1] = 0;
                    t[STRIDE * last + 2] = 0;
                    return;
                }
                int home = home(t[at]);
                // the entry at pos may move to last only if its home is not cyclically in (last, pos]
                boolean stays = last <= pos ? (last < home && home <= pos) : (last < home || home <= pos);
                if (!stays) {
                    break;
                }
                pos = (pos + 1) & mask;
            }
            System.arraycopy(t, STRIDE * pos, t, STRIDE * last, STRIDE);
        }
    }

    private void allocate(int capacity) {
        table = new long[STRIDE * capacity];
        mask = capacity - 1;
    }

    private void rehash(int capacity) {
        moves++;
        long[] old = table;
        allocate(capacity);
        for (int i = 0; i < old.length; i += STRIDE) {
            if (old[i + 1] != 0 || old[i + 2] != 0) {
                int j = home(old[i]);
                while (table[STRIDE * j + 1] != 0 || table[STRIDE * j + 2] != 0) {
                    j = (j + 1) & mask;
                }
                System.arraycopy(old, i, table, STRIDE * j, STRIDE);
            }
        }
    }

    /** One column: the keys that have a value in it. */
    private final class Column implements LongIndex {

        private final int c;

        Column(int c) {
            this.c = c;
        }

        @Override
        public int size() {
            return sizes[c];
        }

        @Override
        public long get(long key) {
            int i = SharedKeyIndex.this.find(key);
            return i < 0 ? 0 : table[STRIDE * i + 1 + c];
        }

        @Override
        public int find(long key) {
            int i = SharedKeyIndex.this.find(key);
            return i < 0 || table[STRIDE * i + 1 + c] == 0 ? -1 : i;
        }

        @Override
        public int slots() {
            return capacity();
        }

        @Override
        public long keyAt(int slot) {
            return table[STRIDE * slot];
        }

        @Override
        public long valueAt(int slot) {
            return table[STRIDE * slot + 1 + c];
        }

        @Override
        public void setValueAt(int slot, long value) {
            if (value == 0) {
                throw new IllegalArgumentException("0 is not a value (it marks an empty slot)");
            }
            if (table[STRIDE * slot + 1 + c] == 0) {
                throw new IllegalStateException("slot " + slot + " has no value in column " + c + ": use put");
            }
            table[STRIDE * slot + 1 + c] = value;
        }

        @Override
        public long touch(long key) {
            return table[STRIDE * home(key) + 1];
        }

        @Override
        public long put(long key, long value) {
            return SharedKeyIndex.this.put(key, c, value);
        }

        @Override
        public long removeAt(int slot) {
            return clear(slot, c);
        }

        @Override
        public long moves() {
            return moves;
        }
    }
}

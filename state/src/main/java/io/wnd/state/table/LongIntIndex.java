package io.wnd.state.table;

/**
 * A map from any long to a non-negative int: open addressing with linear probing and backward-shift deletion
 * (no tombstones, so lookups stay short under churn). An empty slot is marked in the value, so every long,
 * 0 and {@code Long.MIN_VALUE} included, is a valid key. Not thread-safe.
 *
 * <p><b>Memory layout.</b> A slot's key and value sit side by side in one {@code long[]} ({@code [2i]} the key,
 * {@code [2i+1]} the value + 1, 0 = empty), so a probe touches one cache line, not one in a key array and one in
 * a value array; and the load is kept at most 1/2, so a lookup of an absent key (as frequent as a hit in a trainer:
 * every new id is looked up before it is admitted) probes 2.5 slots on average instead of 8.5 at 3/4. With tables
 * of millions of rows nearly every probe of a new cache line is a cache miss: this is what bounds a large table's
 * lookups.
 */
final class LongIntIndex {

    private static final int MIN_CAPACITY = 16;

    // [2i] = key, [2i + 1] = value + 1 (0 = empty slot)
    private long[] table;
    private int mask;
    private int size;

    LongIntIndex() {
        allocate(MIN_CAPACITY);
    }

    int size() {
        return size;
    }

    /** The value of a key, or -1. */
    int get(long key) {
        long[] t = table;
        int i = home(key);
        while (true) {
            long v = t[2 * i + 1];
            if (v == 0) {
                return -1;
            }
            if (t[2 * i] == key) {
                return (int) (v - 1);
            }
            i = (i + 1) & mask;
        }
    }

    /** Loads the word where the key's probe starts (see {@link InMemorySparseTable#touch}). */
    long touch(long key) {
        return table[2 * home(key) + 1];
    }

    /** Maps a key to a value (&ge; 0); returns the previous value or -1. */
    int put(long key, int value) {
        int i = home(key);
        while (table[2 * i + 1] != 0) {
            if (table[2 * i] == key) {
                int old = (int) (table[2 * i + 1] - 1);
                table[2 * i + 1] = value + 1L;
                return old;
            }
            i = (i + 1) & mask;
        }
        table[2 * i] = key;
        table[2 * i + 1] = value + 1L;
        if (++size * 2L > capacity()) {
            rehash(capacity() * 2);
        }
        return -1;
    }

    /** Removes a key; returns its value or -1. */
    int remove(long key) {
        int i = home(key);
        while (table[2 * i + 1] != 0) {
            if (table[2 * i] == key) {
                int old = (int) (table[2 * i + 1] - 1);
                shiftBack(i);
                size--;
                return old;
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    /** Calls the visitor with every (key, value). */
    void forEach(Entry visitor) {
        int n = capacity();
        for (int i = 0; i < n; i++) {
            if (table[2 * i + 1] != 0) {
                visitor.accept(table[2 * i], (int) (table[2 * i + 1] - 1));
            }
        }
    }

    @FunctionalInterface
    interface Entry {
        void accept(long key, int value);
    }

    private int capacity() {
        return mask + 1;
    }

    /** Closes the gap at {@code pos} by moving back later entries of the cluster that may live there. */
    private void shiftBack(int pos) {
        while (true) {
            int last = pos;
            pos = (pos + 1) & mask;
            while (true) {
                if (table[2 * pos + 1] == 0) {
                    table[2 * last + 1] = 0;
                    return;
                }
                int home = home(table[2 * pos]);
                // the entry at pos may move to last only if its home is not cyclically in (last, pos]
                boolean stays = last <= pos ? (last < home && home <= pos) : (last < home || home <= pos);
                if (!stays) {
                    break;
                }
                pos = (pos + 1) & mask;
            }
            table[2 * last] = table[2 * pos];
            table[2 * last + 1] = table[2 * pos + 1];
        }
    }

    private int home(long key) {
        // ids may be small (bucket indices) or hashes: mix so both spread over the table
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    private void allocate(int capacity) {
        table = new long[2 * capacity];
        mask = capacity - 1;
    }

    private void rehash(int capacity) {
        long[] old = table;
        allocate(capacity);
        for (int i = 0; i < old.length; i += 2) {
            if (old[i + 1] != 0) {
                int j = home(old[i]);
                while (table[2 * j + 1] != 0) {
                    j = (j + 1) & mask;
                }
                table[2 * j] = old[i];
                table[2 * j + 1] = old[i + 1];
            }
        }
    }
}

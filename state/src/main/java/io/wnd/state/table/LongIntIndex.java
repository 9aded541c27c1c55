package io.wnd.state.table;

/**
 * A map from any long to a non-negative int: open addressing with linear probing and backward-shift deletion
 * (no tombstones, so lookups stay short under churn). An empty slot is marked in the value array, so every long,
 * 0 and {@code Long.MIN_VALUE} included, is a valid key. Not thread-safe.
 */
final class LongIntIndex {

    private static final int MIN_CAPACITY = 16;

    private long[] keys;
    // value + 1, so 0 marks an empty slot
    private int[] slots;
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
        int i = home(key);
        while (slots[i] != 0) {
            if (keys[i] == key) {
                return slots[i] - 1;
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    /** Maps a key to a value (&ge; 0); returns the previous value or -1. */
    int put(long key, int value) {
        int i = home(key);
        while (slots[i] != 0) {
            if (keys[i] == key) {
                int old = slots[i] - 1;
                slots[i] = value + 1;
                return old;
            }
            i = (i + 1) & mask;
        }
        keys[i] = key;
        slots[i] = value + 1;
        // keep the load under 3/4 so probe sequences stay short
        if (++size * 4L >= keys.length * 3L) {
            rehash(keys.length * 2);
        }
        return -1;
    }

    /** Removes a key; returns its value or -1. */
    int remove(long key) {
        int i = home(key);
        while (slots[i] != 0) {
            if (keys[i] == key) {
                int old = slots[i] - 1;
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
        for (int i = 0; i < keys.length; i++) {
            if (slots[i] != 0) {
                visitor.accept(keys[i], slots[i] - 1);
            }
        }
    }

    @FunctionalInterface
    interface Entry {
        void accept(long key, int value);
    }

    /** Closes the gap at {@code pos} by moving back later entries of the cluster that may live there. */
    private void shiftBack(int pos) {
        while (true) {
            int last = pos;
            pos = (pos + 1) & mask;
            while (true) {
                if (slots[pos] == 0) {
                    slots[last] = 0;
                    return;
                }
                int home = home(keys[pos]);
                // the entry at pos may move to last only if its home is not cyclically in (last, pos]
                boolean stays = last <= pos ? (last < home && home <= pos) : (last < home || home <= pos);
                if (!stays) {
                    break;
                }
                pos = (pos + 1) & mask;
            }
            keys[last] = keys[pos];
            slots[last] = slots[pos];
        }
    }

    private int home(long key) {
        // ids may be small (bucket indices) or hashes: mix so both spread over the table
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        slots = new int[capacity];
        mask = capacity - 1;
    }

    private void rehash(int capacity) {
        long[] oldKeys = keys;
        int[] oldSlots = slots;
        allocate(capacity);
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldSlots[i] != 0) {
                int j = home(oldKeys[i]);
                while (slots[j] != 0) {
                    j = (j + 1) & mask;
                }
                keys[j] = oldKeys[i];
                slots[j] = oldSlots[i];
            }
        }
    }
}

package io.wnd.trainer;

import java.util.Arrays;

/**
 * Numbers distinct (field, id) keys 0, 1, 2, … in the order they are first offered: open addressing with linear
 * probing over parallel arrays. The trainer uses one per mini-batch to visit each touched table row once (one
 * probe of the big tables per distinct key instead of one per occurrence), and one to remember the rows changed
 * since the last version.
 *
 * <p>{@link #clear()} costs the number of keys held, not the capacity, so a per-batch instance stays cheap after a
 * large batch. Not thread-safe.
 */
final class KeySlots {

    // Odd 64-bit constant (the golden ratio): multiplying by it spreads (field, id) over the hash bits.
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    // per hash position, side by side (one cache line per probe): [2h] = id, [2h + 1] = field << 32 | (slot + 1),
    // 0 = empty
    private long[] table;
    private int mask;
    private int[] fields;
    private long[] ids;
    private int size;

    KeySlots(int expected) {
        int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        table = new long[2 * capacity];
        mask = capacity - 1;
        fields = new int[Math.max(16, expected)];
        ids = new long[fields.length];
    }

    /** The number of distinct keys. */
    int size() {
        return size;
    }

    int field(int slot) {
        return fields[slot];
    }

    long id(int slot) {
        return ids[slot];
    }

    /**
     * The slot of a key, adding it if absent.
     *
     * @return the slot ({@code >= 0}) of a key seen before, or {@code -(slot + 1)} for a key added now
     */
    int slot(int field, long id) {
        long[] t = table;
        int h = hash(field, id) & mask;
        while (true) {
            long v = t[2 * h + 1];
            if (v == 0) {
                break;
            }
            if (t[2 * h] == id && (int) (v >>> 32) == field) {
                return (int) v - 1;
            }
            h = (h + 1) & mask;
        }
        int s = size++;
        if (s == fields.length) {
            fields = Arrays.copyOf(fields, s * 2);
            ids = Arrays.copyOf(ids, s * 2);
        }
        fields[s] = field;
        ids[s] = id;
        t[2 * h] = id;
        t[2 * h + 1] = entry(field, s);
        // keep the load under 1/2: probes stay short
        if (size * 2 > mask + 1) {
            rehash((mask + 1) * 2);
        }
        return -(s + 1);
    }

    /** Loads the word where the key's probe starts, so a later {@link #slot} finds it cached. */
    long touch(int field, long id) {
        return table[2 * (hash(field, id) & mask) + 1];
    }

    /** Forgets every key. */
    void clear() {
        if (size * 8 < mask + 1) {
            for (int s = 0; s < size; s++) {
                int h = hash(fields[s], ids[s]) & mask;
                long e = entry(fields[s], s);
                while (table[2 * h + 1] != e) {
                    h = (h + 1) & mask;
                }
                table[2 * h + 1] = 0;
            }
        } else {
            Arrays.fill(table, 0L);
        }
        size = 0;
    }

    private static long entry(int field, int slot) {
        // the low 32 bits hold slot + 1 (never 0); the field in the high 32 bits
        return ((long) field << 32) | ((slot + 1) & 0xFFFFFFFFL);
    }

    private void rehash(int capacity) {
        table = new long[2 * capacity];
        mask = capacity - 1;
        for (int s = 0; s < size; s++) {
            int h = hash(fields[s], ids[s]) & mask;
            while (table[2 * h + 1] != 0) {
                h = (h + 1) & mask;
            }
            table[2 * h] = ids[s];
            table[2 * h + 1] = entry(fields[s], s);
        }
    }

    private static int hash(int field, long id) {
        long h = (id ^ ((long) field * GOLDEN)) * GOLDEN;
        return (int) (h ^ (h >>> 32));
    }
}

package io.wnd.trainer;

/**
 * FTRL-Proximal's state (z, n) per wide coordinate (field, id), stored inline in the hash table: one open-addressing
 * table of longs per field, {@code [2i]} the id and {@code [2i + 1]} z and n as two floats, so that finding a
 * coordinate's state is one probe sequence in one cache line, where a hash index plus a row slab costs a second
 * cache miss per coordinate (with tens of millions of coordinates, nearly every access misses the caches).
 *
 * <p>A state of (+0, +0), the state of a coordinate never touched, is the empty-slot marker: such a state is never
 * stored, which is the same as not having it. Linear probing, load at most 1/2. Not thread-safe.
 */
final class FtrlTable {

    private static final int MIN_CAPACITY = 16;

    private final long[][] tables;
    private final int[] sizes;
    private final long maxRows;
    private long size;

    /**
     * An empty table.
     *
     * @param fields  the number of fields
     * @param maxRows the most coordinates it holds, over all fields
     */
    FtrlTable(int fields, long maxRows) {
        tables = new long[fields][];
        sizes = new int[fields];
        for (int f = 0; f < fields; f++) {
            tables[f] = new long[2 * MIN_CAPACITY];
        }
        this.maxRows = maxRows;
    }

    /** The number of coordinates with state. */
    long size() {
        return size;
    }

    /** Loads the word where a coordinate's probe starts (see {@code WideDeepTrainer}'s prefetch); a meaningless value. */
    long touch(int field, long id) {
        long[] t = tables[field];
        return t[2 * home(id, t) + 1];
    }

    /**
     * Where a coordinate is: its slot ({@code >= 0}), for {@link #z}, {@link #n} and {@link #write}; or -1 when it
     * has no state. A slot stays valid until the next {@link #put} of a new coordinate into the same field.
     */
    int find(int field, long id) {
        long[] t = tables[field];
        int mask = (t.length >>> 1) - 1;
        int i = home(id, t);
        while (true) {
            long v = t[2 * i + 1];
            if (v == 0) {
                return -1;
            }
            if (t[2 * i] == id) {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    float z(int field, int slot) {
        return Float.intBitsToFloat((int) (tables[field][2 * slot + 1] >>> 32));
    }

    float n(int field, int slot) {
        return Float.intBitsToFloat((int) tables[field][2 * slot + 1]);
    }

    /** Overwrites the state at a slot from {@link #find}; (+0, +0) is not a state a found coordinate can reach. */
    void write(int field, int slot, float z, float n) {
        tables[field][2 * slot + 1] = pack(z, n);
    }

    /**
     * Sets a coordinate's state, adding the coordinate if it has none.
     *
     * @return false if it had none and the table is full (nothing stored)
     */
    boolean put(int field, long id, float z, float n) {
        long v = pack(z, n);
        long[] t = tables[field];
        int mask = (t.length >>> 1) - 1;
        int i = home(id, t);
        while (t[2 * i + 1] != 0) {
            if (t[2 * i] == id) {
                if (v == 0) {
                    throw new IllegalStateException("a coordinate's state cannot return to (+0, +0)");
                }
                t[2 * i + 1] = v;
                return true;
            }
            i = (i + 1) & mask;
        }
        if (v == 0) {
            return true; // the untouched state: the same as no state
        }
        if (size >= maxRows) {
            return false;
        }
        t[2 * i] = id;
        t[2 * i + 1] = v;
        size++;
        if (++sizes[field] * 2 > t.length >>> 1) {
            tables[field] = grown(t);
        }
        return true;
    }

    private static long[] grown(long[] old) {
        long[] t = new long[old.length * 2];
        int mask = (t.length >>> 1) - 1;
        for (int j = 0; j < old.length; j += 2) {
            if (old[j + 1] != 0) {
                int i = home(old[j], t);
                while (t[2 * i + 1] != 0) {
                    i = (i + 1) & mask;
                }
                t[2 * i] = old[j];
                t[2 * i + 1] = old[j + 1];
            }
        }
        return t;
    }

    private static long pack(float z, float n) {
        return ((long) Float.floatToRawIntBits(z) << 32) | (Float.floatToRawIntBits(n) & 0xFFFFFFFFL);
    }

    private static int home(long id, long[] t) {
        long h = id * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & ((t.length >>> 1) - 1);
    }
}

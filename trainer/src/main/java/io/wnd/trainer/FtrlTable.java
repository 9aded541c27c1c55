package io.wnd.trainer;

import io.wnd.state.table.LongLongIndex;

/**
 * FTRL-Proximal's state (z, n) per wide coordinate (field, id), stored inline in the hash table: one
 * {@link LongLongIndex} per field whose value is z and n as two floats, so that finding a coordinate's state is one
 * probe sequence in one cache line, where a hash index plus a row slab costs a second cache miss per coordinate
 * (with tens of millions of coordinates, nearly every access misses the caches).
 *
 * <p>A state of (+0, +0), the state of a coordinate never touched, packs to 0, the index's empty-slot marker: such a
 * state is never stored, which is the same as not having it.
 *
 * <p><b>Idle coordinates.</b> n is never negative, so its sign bit is free: it is the coordinate's <i>touched</i>
 * bit, set by every {@link #write} and {@link #put}. {@link #sweep} removes the coordinates whose bit is clear and
 * clears it on the others (the CLOCK scheme): run every T seconds, it removes a coordinate idle for between T and
 * 2T, at no cost per step and no memory per coordinate. Not thread-safe.
 */
final class FtrlTable {

    /** The touched bit: the sign bit of n, the low word. */
    private static final long TOUCHED = 1L << 31;

    private final LongLongIndex[] tables;
    private final long maxRows;
    private long size;

    /**
     * An empty table.
     *
     * @param fields  the number of fields
     * @param maxRows the most coordinates it holds, over all fields
     */
    FtrlTable(int fields, long maxRows) {
        tables = new LongLongIndex[fields];
        for (int f = 0; f < fields; f++) {
            tables[f] = new LongLongIndex();
        }
        this.maxRows = maxRows;
    }

    /** The number of coordinates with state. */
    long size() {
        return size;
    }

    /** Whether {@link #add} refuses every new coordinate: the table holds {@code maxRows}. */
    boolean full() {
        return size >= maxRows;
    }

    /** Loads the word where a coordinate's probe starts (see {@code WideDeepTrainer}'s prefetch); a meaningless value. */
    long touch(int field, long id) {
        return tables[field].touch(id);
    }

    /** Loads the state at a slot from {@link #find}, and nothing else: prefetches it for {@link #write}. */
    long touchSlot(int field, int slot) {
        return tables[field].valueAt(slot);
    }

    /**
     * Where a coordinate is: its slot ({@code >= 0}), for {@link #z}, {@link #n} and {@link #write}; or -1 when it
     * has no state. A slot stays valid until the next {@link #put} of a new coordinate into the same field.
     */
    int find(int field, long id) {
        return tables[field].find(id);
    }

    float z(int field, int slot) {
        return Float.intBitsToFloat((int) (tables[field].valueAt(slot) >>> 32));
    }

    float n(int field, int slot) {
        return Float.intBitsToFloat((int) (tables[field].valueAt(slot) & ~TOUCHED));
    }

    /** Overwrites the state at a slot from {@link #find}; (+0, +0) is not a state a found coordinate can reach. */
    void write(int field, int slot, float z, float n) {
        tables[field].setValueAt(slot, pack(z, n) | TOUCHED);
    }

    /**
     * Sets a coordinate's state, adding the coordinate if it has none.
     *
     * @return false if it had none and the table is full (nothing stored)
     */
    boolean put(int field, long id, float z, float n) {
        long v = pack(z, n);
        LongLongIndex t = tables[field];
        int slot = t.find(id);
        if (slot >= 0) {
            if (v == 0) {
                throw new IllegalStateException("a coordinate's state cannot return to (+0, +0)");
            }
            t.setValueAt(slot, v | TOUCHED);
            return true;
        }
        if (v == 0) {
            return true; // the untouched state: the same as no state
        }
        if (size >= maxRows) {
            return false;
        }
        t.put(id, v | TOUCHED);
        size++;
        return true;
    }

    /**
     * Adds the state of a coordinate that has none ({@link #find} said so, and no put of this field came since):
     * {@link #put} without its lookup, and a full table refuses without probing at all.
     *
     * @return false if the table is full (nothing stored)
     */
    boolean add(int field, long id, float z, float n) {
        long v = pack(z, n);
        if (v == 0) {
            return true; // the untouched state: the same as no state
        }
        if (size >= maxRows) {
            return false;
        }
        tables[field].put(id, v | TOUCHED);
        size++;
        return true;
    }

    /**
     * Removes every coordinate not touched since the previous sweep (or since it was added, for the first), and
     * clears the touched bit of the others.
     *
     * @param removed called with each coordinate removed
     * @return how many were removed
     */
    int sweep(KeyVisitor removed) {
        int count = 0;
        for (int f = 0; f < tables.length; f++) {
            LongLongIndex t = tables[f];
            KeySlots idle = new KeySlots(1024);
            int n = t.slots();
            for (int i = 0; i < n; i++) {
                long v = t.valueAt(i);
                if (v == 0) {
                    continue;
                }
                if ((v & TOUCHED) != 0 && (v & ~TOUCHED) != 0) {
                    t.setValueAt(i, v & ~TOUCHED);
                } else {
                    idle.slot(f, t.keyAt(i));
                }
            }
            for (int s = 0; s < idle.size(); s++) {
                t.remove(idle.id(s));
                size--;
                count++;
                removed.visit(f, idle.id(s));
            }
        }
        return count;
    }

    /** Visits a coordinate. */
    @FunctionalInterface
    interface KeyVisitor {
        void visit(int field, long id);
    }

    /** z and n as two floats, n's sign bit (the touched bit) clear: n is never negative. */
    private static long pack(float z, float n) {
        return ((long) Float.floatToRawIntBits(z) << 32) | (Float.floatToRawIntBits(n) & 0xFFFFFFFFL);
    }
}

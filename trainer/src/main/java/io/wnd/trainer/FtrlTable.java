package io.wnd.trainer;

import io.wnd.state.spec.FtrlSettings;
import io.wnd.state.table.LongIndex;
import io.wnd.state.table.LongLongIndex;
import io.wnd.state.table.SparseTable;
import io.wnd.state.version.SparseDelta;

import java.util.Arrays;

/**
 * FTRL-Proximal's state (z, n) per wide coordinate (field, id), stored inline in the hash table, and the wide weights
 * computed from it. One index per field ({@link LongIndex}) holds z and n as two floats, so that finding a coordinate's
 * state is one probe sequence in one cache line, where a hash index plus a row slab costs a second cache miss per
 * coordinate (with tens of millions of coordinates, nearly every access misses the caches).
 *
 * <p><b>The weights are a view.</b> A coordinate's weight is a function of its state ({@link #weight}), so the
 * model's wide table is {@link #weights()}, which computes each weight when it is read: a step writes one table, not
 * a second one of weights (with a million ids per field, that second table cost as much as the first). What a version
 * publishes comes from the state too: {@link #drainInto} writes the weights that changed since the previous drain,
 * found by the slots each field lists as it marks them dirty (a drain reads those slots, not the table).
 *
 * <p><b>The word of a coordinate.</b> z is the high 32 bits; n (never negative) the low 32, whose spare bits are
 * flags:
 * <ul>
 *   <li>the sign bit: <i>touched</i>, set by every write. {@link #sweep} removes the coordinates whose bit is clear
 *       and clears it on the others (the CLOCK scheme): run every T seconds, it removes a coordinate idle for between
 *       T and 2T, at no cost per step and no memory per coordinate;</li>
 *   <li>bit 0: <i>dirty</i>, the weight changed since the last drain;</li>
 *   <li>bit 1: <i>published</i>, the last drain published a non-zero weight for the coordinate (or it came from a
 *       published model): a weight that returns to 0 is then published as a deletion.</li>
 * </ul>
 * So n keeps 21 bits of mantissa, not 23 ({@link #storable}: rounded towards 0, a relative error under 2.4e-7);
 * the trainer computes every weight from the n it stores, so the weights it trains with, serves and publishes are
 * the same.
 *
 * <p>A state of (+0, +0) without flags packs to 0, the index's empty-slot marker: such a state is never stored,
 * which is the same as not having it. Not thread-safe.
 */
final class FtrlTable {

    private static final long TOUCHED = 1L << 31;
    private static final long DIRTY = 1L;
    private static final long PUBLISHED = 1L << 1;
    private static final long FLAGS = DIRTY | PUBLISHED;
    private static final int N_BITS = 0x7FFF_FFFC;
    /**
     * A field lists at most one dirty slot per this many of its slots (4 bytes each: a quarter of a byte per slot,
     * where a slot is 16); beyond that, its next drain reads all its slots in order. Measured at 1 dirty slot in 30:
     * the listed slots took a third of the time of reading all of them.
     */
    private static final int SLOTS_PER_LISTED = 16;
    /** Listed slots a drain touches before it works on them (see {@link #drainInto}). */
    private static final int CHUNK = 256;

    private final LongIndex[] tables;
    /**
     * Per field, the slots of the coordinates that became dirty since the last drain, in that order: a slot holds
     * the same coordinate until the index moves its entries (it grows, or a removal shifts some back), after which
     * the field's next drain reads all its slots ({@link #scanAll}, {@link #movesAtDrain}).
     */
    private final int[][] dirtySlots;
    private final int[] dirtyCount;
    private final boolean[] scanAll;
    /** Per field, its index's {@link LongIndex#moves} at the last drain: if they changed, listed slots may be stale. */
    private final long[] movesAtDrain;
    /** Published coordinates removed by a sweep since the last drain: deleted by it unless they have a weight again. */
    private final KeySlots removed = new KeySlots(1024);
    private final double alpha;
    private final double beta;
    private final double l1;
    private final double l2;
    private final long maxRows;
    private final Weights weights = new Weights();
    private long size;
    private long nonZero;
    /** The sum of the words a drain touched, kept so that the loads are not optimised away. */
    private long touched;

    /**
     * An empty table.
     *
     * @param fields   the number of fields
     * @param maxRows  the most coordinates it holds, over all fields
     * @param settings FTRL's alpha, beta, l1 and l2, for the weights
     * @param shared   the (empty) indexes of the first fields, which another table may share (columns of
     *                 {@code SharedKeyIndex}es: a write of the other table may move this table's entries, which
     *                 {@link LongIndex#moves} tells); the other fields get indexes of their own
     */
    FtrlTable(int fields, long maxRows, FtrlSettings settings, LongIndex... shared) {
        if (shared.length > fields) {
            throw new IllegalArgumentException(shared.length + " shared indexes for " + fields + " fields");
        }
        tables = new LongIndex[fields];
        dirtySlots = new int[fields][];
        dirtyCount = new int[fields];
        scanAll = new boolean[fields];
        movesAtDrain = new long[fields];
        for (int f = 0; f < fields; f++) {
            tables[f] = f < shared.length ? shared[f] : new LongLongIndex();
            if (tables[f].size() != 0) {
                throw new IllegalArgumentException("the index of field " + f + " is not empty");
            }
            movesAtDrain[f] = tables[f].moves();
            dirtySlots[f] = new int[16];
        }
        this.maxRows = maxRows;
        this.alpha = settings.alpha();
        this.beta = settings.beta();
        this.l1 = settings.l1();
        this.l2 = settings.l2();
    }

    /** The number of coordinates with state. */
    long size() {
        return size;
    }

    /** Whether {@link #add} refuses every new coordinate: the table holds {@code maxRows}. */
    boolean full() {
        return size >= maxRows;
    }

    /** n as this table stores it: rounded towards 0 to 21 bits of mantissa (the other 2 are flags). */
    static float storable(float n) {
        return Float.intBitsToFloat(Float.floatToRawIntBits(n) & N_BITS);
    }

    /** FTRL-Proximal's closed-form weight of a coordinate with state (z, n). */
    float weight(float z, float n) {
        if (Math.abs(z) <= l1) {
            return 0f;
        }
        return (float) (-(z - Math.signum(z) * l1) / ((beta + Math.sqrt(n)) / alpha + l2));
    }

    /**
     * The weights, as the model's wide table (dim 1): a live view, a coordinate's weight computed from its state when
     * read; only the non-zero weights are rows. It cannot be written: the weights change only by training.
     */
    SparseTable weights() {
        return weights;
    }

    /** Loads the word where a coordinate's probe starts (see {@code WideDeepTrainer}'s prefetch); a meaningless value. */
    long touch(int field, long id) {
        return tables[field].touch(id);
    }

    /** Loads the state at a slot from {@link #find}, and nothing else: prefetches it for {@link #update}. */
    long touchSlot(int field, int slot) {
        return tables[field].valueAt(slot);
    }

    /**
     * Where a coordinate is: its slot ({@code >= 0}), for {@link #z}, {@link #n} and {@link #update}; or -1 when it
     * has no state. A slot stays valid until the next {@link #add} or {@link #adopt} into the same field, or
     * {@link #sweep}.
     */
    int find(int field, long id) {
        return tables[field].find(id);
    }

    float z(int field, int slot) {
        return z(tables[field].valueAt(slot));
    }

    float n(int field, int slot) {
        return n(tables[field].valueAt(slot));
    }

    /**
     * Overwrites the state at a slot from {@link #find}.
     *
     * @param n         a {@link #storable} n
     * @param oldWeight the weight of the state before ({@link #weight} of its z and n)
     * @param newWeight the weight of the new state
     */
    void update(int field, int slot, float z, float n, float oldWeight, float newWeight) {
        LongIndex t = tables[field];
        long flags = t.valueAt(slot) & FLAGS;
        if (newWeight != oldWeight) {
            if ((flags & DIRTY) == 0) {
                flags |= DIRTY;
                listDirty(field, slot);
            }
            nonZero += (newWeight != 0f ? 1 : 0) - (oldWeight != 0f ? 1 : 0);
        }
        t.setValueAt(slot, pack(z, n) | flags | TOUCHED);
    }

    /**
     * Adds the state of a coordinate that has none ({@link #find} said so, and no add of this field came since); a
     * full table refuses without probing at all.
     *
     * @param n      a {@link #storable} n
     * @param weight the weight of the state ({@link #weight} of z and n)
     * @return false if the table is full (nothing stored)
     */
    boolean add(int field, long id, float z, float n, float weight) {
        long v = pack(z, n);
        if (v == 0) {
            return true; // the untouched state: the same as no state
        }
        if (size >= maxRows) {
            return false;
        }
        if (weight != 0f) {
            nonZero++;
            v |= DIRTY;
        }
        insert(field, id, v | TOUCHED);
        if (weight != 0f) {
            listDirtyKey(field, id);
        }
        return true;
    }

    /**
     * Adds the state of a coordinate of a published model (the trainer resumes from it); a weight it had is
     * published already. One whose state's weight comes out as 0 (its published weight was too small for FTRL's
     * state to hold) is published as a deletion by the next drain, so that the served model follows the trainer.
     *
     * @return false if it had state already, or the table is full (nothing stored)
     */
    boolean adopt(int field, long id, float z, float n) {
        if (size >= maxRows || find(field, id) >= 0) {
            return false;
        }
        long v = pack(z, n) | PUBLISHED | TOUCHED;
        float w = weight(z, storable(n));
        if (w != 0f) {
            nonZero++;
        } else {
            v |= DIRTY;
        }
        insert(field, id, v);
        if (w == 0f) {
            listDirtyKey(field, id);
        }
        return true;
    }

    /**
     * Removes every coordinate not touched since the previous sweep (or since it was added, for the first), and
     * clears the touched bit of the others. The next drain deletes the published weights of the removed ones.
     *
     * @return how many were removed
     */
    int sweep() {
        int count = 0;
        for (int f = 0; f < tables.length; f++) {
            LongIndex t = tables[f];
            KeySlots idle = new KeySlots(1024);
            int slots = t.slots();
            for (int i = 0; i < slots; i++) {
                long v = t.valueAt(i);
                if (v == 0) {
                    continue;
                }
                if ((v & TOUCHED) != 0 && (v & ~TOUCHED) != 0) {
                    t.setValueAt(i, v & ~TOUCHED);
                    continue;
                }
                idle.slot(f, t.keyAt(i));
                if (weight(z(v), n(v)) != 0f) {
                    nonZero--;
                }
                if ((v & PUBLISHED) != 0) {
                    removed.slot(f, t.keyAt(i));
                }
            }
            for (int s = 0; s < idle.size(); s++) {
                t.remove(idle.id(s));
            }
            size -= idle.size();
            count += idle.size();
        }
        return count;
    }

    /**
     * Adds to a delta (dim 1) what changed since the previous drain, and forgets it: the weight of every coordinate
     * whose weight changed and is not 0, and a deletion for every published weight that is 0 now or whose
     * coordinate a sweep removed. Reads the listed slots (see {@link #dirtySlots}), or all slots of a field where
     * entries moved or many changed.
     *
     * @param out the wide delta
     */
    void drainInto(SparseDelta out) {
        float[] one = new float[1];
        for (int s = 0; s < removed.size(); s++) {
            int field = removed.field(s);
            long id = removed.id(s);
            int slot = find(field, id);
            // a coordinate that has state again, with a weight, is dirty: the scan below publishes that weight
            if (slot < 0 || weightAt(field, slot) == 0f) {
                out.delete(field, id);
            }
        }
        removed.clear();
        for (int f = 0; f < tables.length; f++) {
            LongIndex t = tables[f];
            if (t.moves() != movesAtDrain[f]) {
                // entries moved since the last drain (this table's writes or a sharing table's): a listed slot may
                // hold another key now, or nothing
                scanAll[f] = true;
                movesAtDrain[f] = t.moves();
            }
            if (scanAll[f]) {
                int slots = t.slots();
                for (int slot = 0; slot < slots; slot++) {
                    publish(f, t, slot, one, out);
                }
            } else {
                int[] listed = dirtySlots[f];
                int count = dirtyCount[f];
                // a chunk at a time: first a loop of independent loads, which the CPU overlaps (the slots are
                // anywhere in the index), then the work, on slots now in the caches
                for (int c = 0; c < count; c += CHUNK) {
                    int end = Math.min(count, c + CHUNK);
                    for (int i = c; i < end; i++) {
                        touched += t.valueAt(listed[i]);
                    }
                    for (int i = c; i < end; i++) {
                        publish(f, t, listed[i], one, out);
                    }
                }
            }
            scanAll[f] = false;
            dirtyCount[f] = 0;
        }
    }

    /** A drain's work on one slot: if its coordinate is dirty, publishes its weight or deletion and clears the flag. */
    private void publish(int field, LongIndex t, int slot, float[] one, SparseDelta out) {
        long v = t.valueAt(slot);
        if ((v & DIRTY) == 0) {
            return; // an empty slot too (0)
        }
        float weight = weight(z(v), n(v));
        long next = v & ~FLAGS;
        if (weight != 0f) {
            one[0] = weight;
            out.put(field, t.keyAt(slot), one, 0);
            next |= PUBLISHED;
        } else if ((v & PUBLISHED) != 0) {
            out.delete(field, t.keyAt(slot));
        }
        // the state (+0, +0), not touched since a sweep: kept (as touched) until the next sweep
        t.setValueAt(slot, next == 0 ? TOUCHED : next);
    }

    private float weightAt(int field, int slot) {
        long v = tables[field].valueAt(slot);
        return weight(z(v), n(v));
    }

    private void insert(int field, long id, long value) {
        // if the index grows, every entry moves, dirty ones included: the next drain sees it by LongIndex.moves
        tables[field].put(id, value);
        size++;
    }

    /** Lists the slot of a coordinate just added and marked dirty (unless the field's next drain reads all). */
    private void listDirtyKey(int field, long id) {
        if (!scanAll[field]) {
            listDirty(field, tables[field].find(id));
        }
    }

    /** Lists the slot of a coordinate that just became dirty. */
    private void listDirty(int field, int slot) {
        if (scanAll[field]) {
            return;
        }
        int n = dirtyCount[field];
        if (n >= tables[field].slots() / SLOTS_PER_LISTED) {
            scanAll[field] = true;
            return;
        }
        if (n == dirtySlots[field].length) {
            dirtySlots[field] = Arrays.copyOf(dirtySlots[field], n * 2);
        }
        dirtySlots[field][n] = slot;
        dirtyCount[field] = n + 1;
    }

    /** The z of a coordinate's state word (as a {@link LongIndex} of this table holds it). */
    static float z(long v) {
        return Float.intBitsToFloat((int) (v >>> 32));
    }

    /** The n of a coordinate's state word, without the flags. */
    static float n(long v) {
        return Float.intBitsToFloat((int) v & N_BITS);
    }

    /** z and n as two floats, n's sign bit and flag bits clear. */
    private static long pack(float z, float n) {
        return ((long) Float.floatToRawIntBits(z) << 32) | (Float.floatToRawIntBits(n) & (long) N_BITS);
    }

    /** {@link #weights()}. */
    private final class Weights implements SparseTable {

        @Override
        public int dim() {
            return 1;
        }

        @Override
        public int fields() {
            return tables.length;
        }

        @Override
        public long maxRows() {
            return maxRows;
        }

        @Override
        public long size() {
            return nonZero;
        }

        @Override
        public boolean read(int field, long id, float[] dst, int offset) {
            int slot = find(field, id);
            if (slot < 0) {
                return false;
            }
            float w = weightAt(field, slot);
            if (w == 0f) {
                return false;
            }
            dst[offset] = w;
            return true;
        }

        @Override
        public boolean put(int field, long id, float[] row) {
            throw new UnsupportedOperationException("the trainer's wide weights follow its FTRL state: train to change them");
        }

        @Override
        public boolean remove(int field, long id) {
            throw new UnsupportedOperationException("the trainer's wide weights follow its FTRL state: train to change them");
        }

        @Override
        public void forEach(RowVisitor visitor) {
            float[] one = new float[1];
            for (int f = 0; f < tables.length; f++) {
                LongIndex t = tables[f];
                int slots = t.slots();
                for (int slot = 0; slot < slots; slot++) {
                    long v = t.valueAt(slot);
                    if (v == 0) {
                        continue;
                    }
                    float w = weight(z(v), n(v));
                    if (w != 0f) {
                        one[0] = w;
                        visitor.visit(f, t.keyAt(slot), one, 0);
                    }
                }
            }
        }
    }
}

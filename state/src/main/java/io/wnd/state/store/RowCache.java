package io.wnd.state.store;

import io.wnd.state.table.LongLongIndex;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The hot-row cache of one field of one table of a {@link ModelView}: id &rarr; row, or a cached absence. Open
 * addressing with linear probing over one {@code int[]} that holds each slot whole: the id's two halves, the slot's
 * state (empty, row, absence) and the row's floats (as their bits), side by side. A hit then costs one probe that
 * brings the id and the row together: the row's address is known before anything is loaded, where a {@code float[]}
 * per row (this class before) was found through a reference loaded by the probe, a second cache miss that waited
 * for the first (about a twentieth of the scorer's stream thread).
 *
 * <p>All rows of one cache have the same width (a table's row width): the first row cached sets it (a cache that has
 * only absences so far is rebuilt with the width then), and a row of another width is refused.
 *
 * <p><b>Concurrency.</b> Any number of threads {@link #read} without locks while others {@link #putIfAbsent}: writers
 * take this object's lock; a writer stores the id and the row, then the slot's state with a release store, and a
 * reader loads the state with an acquire load before it reads the id and the row, so a reader that sees a state
 * sees what it stands for. Entries are never removed or replaced while the cache is shared: a grown (or widened)
 * table is a new object published whole through a volatile field, and {@link #remove} and {@link #replace} are only
 * for a copy that no reader has yet ({@link ModelStore#commit} updates the rows a new version changed in its copy
 * before it publishes the view).
 */
final class RowCache {

    /** {@link #read}: the id is not cached. */
    static final int MISS = -1;
    /** {@link #read}: the id is cached as absent. */
    static final int ABSENT = 0;
    /** {@link #read}: the id's row was copied. */
    static final int HIT = 1;

    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);

    // a slot: [id low, id high, state, the row's floats as int bits]
    private static final int STATE = 2;
    private static final int HEADER = 3;
    private static final int EMPTY = 0;
    private static final int ROW = 1;
    private static final int NONE = 2;

    /** The slots of one capacity and row width; replaced whole when the cache grows or learns its width. */
    private static final class Slots {
        final int[] a;
        final int width;
        final int stride;
        final int mask;

        Slots(int capacity, int width) {
            this(new int[Math.multiplyExact(capacity, HEADER + width)], width, capacity);
        }

        Slots(int[] a, int width, int capacity) {
            this.a = a;
            this.width = width;
            this.stride = HEADER + width;
            this.mask = capacity - 1;
        }

        int capacity() {
            return mask + 1;
        }
    }

    private volatile Slots slots;
    private int size;
    // set by the first row cached; -1 until then
    private int width = -1;

    RowCache() {
        slots = new Slots(16, 0);
    }

    /** A copy with the same entries, to be changed before anyone reads it. */
    RowCache copy() {
        RowCache c = new RowCache();
        synchronized (this) {
            // the same capacity, width and hash: every entry keeps its slot, so the array is copied as it is
            Slots s = slots;
            c.slots = new Slots(s.a.clone(), s.width, s.capacity());
            c.size = size;
            c.width = width;
        }
        return c;
    }

    /**
     * Copies the cached row of an id into a buffer.
     *
     * @return {@link #HIT} (the row is in {@code dst} from {@code offset}), {@link #ABSENT} (cached absence;
     *     {@code dst} untouched) or {@link #MISS} (not cached; {@code dst} untouched)
     */
    int read(long id, float[] dst, int offset) {
        Slots s = slots;
        int[] a = s.a;
        int stride = s.stride;
        int mask = s.mask;
        int lo = (int) id;
        int hi = (int) (id >>> 32);
        int i = home(id, mask);
        while (true) {
            int p = i * stride;
            int state = (int) INTS.getAcquire(a, p + STATE);
            if (state == EMPTY) {
                return MISS;
            }
            if (a[p] == lo && a[p + 1] == hi) {
                if (state == NONE) {
                    return ABSENT;
                }
                int from = p + HEADER;
                for (int k = 0, w = s.width; k < w; k++) {
                    dst[offset + k] = Float.intBitsToFloat(a[from + k]);
                }
                return HIT;
            }
            i = (i + 1) & mask;
        }
    }

    /** Whether an id is cached (with a row or as absent). */
    boolean contains(long id) {
        Slots s = slots;
        return find(s, id) >= 0;
    }

    /**
     * Caches a row (zero-length: an absence) unless the id is cached already; returns whether it added it.
     *
     * @throws IllegalArgumentException for a row whose width is not the cache's
     */
    synchronized boolean putIfAbsent(long id, float[] row) {
        checkWidth(row);
        Slots s = slots;
        if (find(s, id) >= 0) {
            return false;
        }
        if (row.length > 0 && s.width != row.length) {
            // the first row: the absences so far move to slots wide enough for rows
            s = rebuilt(s, s.capacity(), row.length);
            slots = s;
        }
        if ((size + 1) * 2 > s.capacity()) {
            if ((long) s.capacity() * 2 * s.stride > Integer.MAX_VALUE - 8) {
                return false; // a bigger array cannot be indexed: the cache stays as it is
            }
            Slots grown = rebuilt(s, s.capacity() * 2, s.width);
            insert(grown, id, row);
            slots = grown;
        } else {
            int p = freeSlot(s, id) * s.stride;
            write(s, p, id, row);
            INTS.setRelease(s.a, p + STATE, row.length == 0 ? NONE : ROW);
        }
        size++;
        return true;
    }

    /** Removes an id; only on a copy that no reader holds yet (see the class comment). */
    synchronized void remove(long id) {
        Slots s = slots;
        int i = find(s, id);
        if (i < 0) {
            return;
        }
        int[] a = s.a;
        int stride = s.stride;
        // backward-shift deletion: move later entries of the cluster into the gap where they may live
        int gap = i;
        int j = i;
        while (true) {
            j = (j + 1) & s.mask;
            if (a[j * stride + STATE] == EMPTY) {
                break;
            }
            int h = home(idAt(a, j * stride), s.mask);
            boolean stays = gap <= j ? (gap < h && h <= j) : (gap < h || h <= j);
            if (!stays) {
                System.arraycopy(a, j * stride, a, gap * stride, stride);
                gap = j;
            }
        }
        a[gap * stride + STATE] = EMPTY;
        size--;
    }

    /**
     * Replaces the row of a cached id (a zero-length row: cached absence); an id not cached stays so. Only on a copy
     * that no reader holds yet (see the class comment).
     *
     * @return whether the id was cached
     * @throws IllegalArgumentException for a row whose width is not the cache's
     */
    synchronized boolean replace(long id, float[] row) {
        checkWidth(row);
        Slots s = slots;
        if (row.length > 0 && s.width != row.length) {
            s = rebuilt(s, s.capacity(), row.length);
            slots = s;
        }
        int i = find(s, id);
        if (i < 0) {
            return false;
        }
        int p = i * s.stride;
        write(s, p, id, row);
        s.a[p + STATE] = row.length == 0 ? NONE : ROW;
        return true;
    }

    /** The number of cached ids. */
    synchronized int size() {
        return size;
    }

    private void checkWidth(float[] row) {
        if (row.length == 0) {
            return;
        }
        if (width < 0) {
            width = row.length;
        } else if (row.length != width) {
            throw new IllegalArgumentException("a row of " + row.length + " floats in a cache of rows of " + width);
        }
    }

    /** The slot of an id, or -1. */
    private static int find(Slots s, long id) {
        int[] a = s.a;
        int i = home(id, s.mask);
        while (true) {
            int p = i * s.stride;
            int state = (int) INTS.getAcquire(a, p + STATE);
            if (state == EMPTY) {
                return -1;
            }
            if (idAt(a, p) == id) {
                return i;
            }
            i = (i + 1) & s.mask;
        }
    }

    private static int freeSlot(Slots s, long id) {
        int i = home(id, s.mask);
        while (s.a[i * s.stride + STATE] != EMPTY) {
            i = (i + 1) & s.mask;
        }
        return i;
    }

    /** The same entries in new slots (not published yet, so written plainly). */
    private static Slots rebuilt(Slots s, int capacity, int width) {
        Slots r = new Slots(capacity, width);
        for (int j = 0; j < s.capacity(); j++) {
            int p = j * s.stride;
            int state = s.a[p + STATE];
            if (state != EMPTY) {
                int q = freeSlot(r, idAt(s.a, p)) * r.stride;
                System.arraycopy(s.a, p, r.a, q, HEADER + (state == ROW ? s.width : 0));
            }
        }
        return r;
    }

    private static void insert(Slots s, long id, float[] row) {
        int p = freeSlot(s, id) * s.stride;
        write(s, p, id, row);
        s.a[p + STATE] = row.length == 0 ? NONE : ROW;
    }

    private static void write(Slots s, int p, long id, float[] row) {
        int[] a = s.a;
        a[p] = (int) id;
        a[p + 1] = (int) (id >>> 32);
        for (int k = 0; k < row.length; k++) {
            a[p + HEADER + k] = Float.floatToRawIntBits(row[k]);
        }
    }

    private static long idAt(int[] a, int p) {
        return (a[p] & 0xFFFFFFFFL) | ((long) a[p + 1] << 32);
    }

    private static int home(long id, int mask) {
        return LongLongIndex.hash(id) & mask;
    }
}

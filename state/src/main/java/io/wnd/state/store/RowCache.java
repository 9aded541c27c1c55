package io.wnd.state.store;

import io.wnd.state.table.LongLongIndex;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The hot-row cache of one field of one table of a {@link ModelView}: id &rarr; row (a zero-length row caches an
 * absence). Open addressing with linear probing over a {@code long[]} of ids and an array of rows side by side, so
 * a hit costs a probe of the ids and one load of the row, with no boxed key (the {@code ConcurrentHashMap<Long,
 * float[]>} it replaces spent most of a lookup in its nodes and {@code Long} keys: a fifth of the scorer's stream
 * thread).
 *
 * <p><b>Concurrency.</b> Any number of threads {@link #get} without locks while others {@link #putIfAbsent}: writers
 * take this object's lock; a writer stores the id, then publishes the row with a release store, and a reader loads
 * the row with an acquire load before it compares the id, so a reader that sees a row sees its id. Entries are never
 * removed or replaced while the cache is shared: a grown table is a new object published whole through a volatile
 * field, and {@link #remove} and {@link #replace} are only for a copy that no reader has yet ({@link ModelStore#commit}
 * updates the rows a new version changed in its copy before it publishes the view).
 */
final class RowCache {

    private static final VarHandle ROWS = MethodHandles.arrayElementVarHandle(float[][].class);

    /** The probe arrays of one capacity; replaced whole when the cache grows. */
    private static final class Slots {
        final long[] ids;
        final float[][] rows;
        final int mask;

        Slots(int capacity) {
            this(new long[capacity], new float[capacity][]);
        }

        Slots(long[] ids, float[][] rows) {
            this.ids = ids;
            this.rows = rows;
            this.mask = ids.length - 1;
        }
    }

    private volatile Slots slots;
    private int size;

    RowCache() {
        slots = new Slots(16);
    }

    /** A copy with the same entries, to be changed before anyone reads it. */
    RowCache copy() {
        RowCache c = new RowCache();
        synchronized (this) {
            // the same capacity and hash: every entry keeps its slot, so the arrays are copied as they are
            Slots s = slots;
            c.slots = new Slots(s.ids.clone(), s.rows.clone());
            c.size = size;
        }
        return c;
    }

    /** The cached row of an id (zero-length: cached absence), or null when the id is not cached. */
    float[] get(long id) {
        Slots s = slots;
        long[] ids = s.ids;
        float[][] rows = s.rows;
        int i = home(id, s.mask);
        while (true) {
            float[] row = (float[]) ROWS.getAcquire(rows, i);
            if (row == null) {
                return null;
            }
            if (ids[i] == id) {
                return row;
            }
            i = (i + 1) & s.mask;
        }
    }

    /** Caches a row unless the id is cached already; returns whether it added it. */
    synchronized boolean putIfAbsent(long id, float[] row) {
        Slots s = slots;
        int i = home(id, s.mask);
        while (s.rows[i] != null) {
            if (s.ids[i] == id) {
                return false;
            }
            i = (i + 1) & s.mask;
        }
        if ((size + 1) * 2 > s.ids.length) {
            Slots grown = new Slots(s.ids.length * 2);
            for (int j = 0; j < s.ids.length; j++) {
                if (s.rows[j] != null) {
                    insert(grown, s.ids[j], s.rows[j]);
                }
            }
            insert(grown, id, row);
            slots = grown;
        } else {
            s.ids[i] = id;
            ROWS.setRelease(s.rows, i, row);
        }
        size++;
        return true;
    }

    /** Removes an id; only on a copy that no reader holds yet (see the class comment). */
    synchronized void remove(long id) {
        Slots s = slots;
        int i = home(id, s.mask);
        while (s.rows[i] != null) {
            if (s.ids[i] == id) {
                // backward-shift deletion: move later entries of the cluster into the gap where they may live
                int gap = i;
                int j = i;
                while (true) {
                    j = (j + 1) & s.mask;
                    if (s.rows[j] == null) {
                        break;
                    }
                    int h = home(s.ids[j], s.mask);
                    boolean stays = gap <= j ? (gap < h && h <= j) : (gap < h || h <= j);
                    if (!stays) {
                        s.ids[gap] = s.ids[j];
                        s.rows[gap] = s.rows[j];
                        gap = j;
                    }
                }
                s.rows[gap] = null;
                size--;
                return;
            }
            i = (i + 1) & s.mask;
        }
    }

    /**
     * Replaces the row of a cached id (a zero-length row: cached absence); an id not cached stays so. Only on a copy
     * that no reader holds yet (see the class comment).
     *
     * @return whether the id was cached
     */
    synchronized boolean replace(long id, float[] row) {
        Slots s = slots;
        int i = home(id, s.mask);
        while (s.rows[i] != null) {
            if (s.ids[i] == id) {
                s.rows[i] = row;
                return true;
            }
            i = (i + 1) & s.mask;
        }
        return false;
    }

    /** The number of cached ids. */
    synchronized int size() {
        return size;
    }

    private static void insert(Slots s, long id, float[] row) {
        int i = home(id, s.mask);
        while (s.rows[i] != null) {
            i = (i + 1) & s.mask;
        }
        s.ids[i] = id;
        s.rows[i] = row;
    }

    private static int home(long id, int mask) {
        return LongLongIndex.hash(id) & mask;
    }
}

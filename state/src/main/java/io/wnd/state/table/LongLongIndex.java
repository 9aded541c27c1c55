package io.wnd.state.table;

/**
 * A map from any long to any long but 0: open addressing with linear probing and backward-shift deletion (no
 * tombstones, so lookups stay short under churn). The value 0 marks an empty slot, so every long, 0 and
 * {@code Long.MIN_VALUE} included, is a valid key, and a value is whatever the owner packs into 63 bits and a sign:
 * a row number + 1 ({@link InMemorySparseTable}), or an optimizer's state inline (the trainer's FTRL table, which
 * saves the second cache miss of an index plus a slab). Not thread-safe.
 *
 * <p><b>Memory layout.</b> A slot's key and value sit side by side in one {@code long[]} ({@code [2i]} the key,
 * {@code [2i+1]} the value), so a probe touches one cache line, not one in a key array and one in a value array;
 * and the load is kept at most 1/2, so a lookup of an absent key (as frequent as a hit in a trainer: every new id
 * is looked up before it is admitted) probes 2.5 slots on average instead of 8.5 at 3/4. With tables of millions of
 * entries nearly every probe of a new cache line is a cache miss: this is what bounds a large table's lookups.
 *
 * <p><b>Slots.</b> {@link #find} gives where a key is, for {@link #valueAt} and {@link #setValueAt}: a caller that
 * reads a value and later writes it probes once. A slot stays valid until the next {@link #put} of a new key or
 * {@link #remove} (either may move entries).
 */
public final class LongLongIndex implements LongIndex {

    private static final int MIN_CAPACITY = 16;

    // [2i] = key, [2i + 1] = value (0 = empty slot)
    private long[] table;
    private int mask;
    private int size;
    private long moves;

    /** An empty index. */
    public LongLongIndex() {
        allocate(MIN_CAPACITY);
    }

    /**
     * The number of keys.
     *
     * @return the key count
     */
    @Override
    public int size() {
        return size;
    }

    /**
     * The value of a key.
     *
     * @param key the key
     * @return its value, or 0 if it has none
     */
    @Override
    public long get(long key) {
        int i = find(key);
        return i < 0 ? 0 : table[2 * i + 1];
    }

    /**
     * Where a key is.
     *
     * @param key the key
     * @return its slot ({@code >= 0}), or -1 if it has no value
     */
    @Override
    public int find(long key) {
        long[] t = table;
        int i = home(key);
        while (true) {
            if (t[2 * i + 1] == 0) {
                return -1;
            }
            if (t[2 * i] == key) {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    /**
     * The number of slots: every slot number is below it. With {@link #keyAt} and {@link #valueAt} a caller can
     * visit every entry and change values in place ({@link #setValueAt}), which {@link #forEach} cannot.
     *
     * @return the capacity
     */
    @Override
    public int slots() {
        return mask + 1;
    }

    /**
     * The key at a slot whose {@link #valueAt} is not 0.
     *
     * @param slot the slot
     * @return its key
     */
    @Override
    public long keyAt(int slot) {
        return table[2 * slot];
    }

    /**
     * The value at a slot from {@link #find} (0 at an empty slot).
     *
     * @param slot the slot
     * @return its value
     */
    @Override
    public long valueAt(int slot) {
        return table[2 * slot + 1];
    }

    /**
     * Overwrites the value at a slot from {@link #find}.
     *
     * @param slot  the slot
     * @param value the new value (not 0: use {@link #remove})
     */
    @Override
    public void setValueAt(int slot, long value) {
        if (value == 0) {
            throw new IllegalArgumentException("0 is not a value (it marks an empty slot)");
        }
        table[2 * slot + 1] = value;
    }

    /**
     * Loads the word where a key's probe starts, and nothing else: a caller about to look up many keys can first
     * touch them all in a loop of independent loads, which the CPU overlaps, so that the lookups that follow find
     * the index in its caches instead of waiting for one cache miss after another.
     *
     * @param key the key
     * @return a value of no meaning (sum it into something that is kept, so the load is not optimised away)
     */
    @Override
    public long touch(long key) {
        return table[2 * home(key) + 1];
    }

    /**
     * Maps a key to a value.
     *
     * @param key   the key
     * @param value the value (not 0)
     * @return the previous value, or 0 if the key had none
     */
    @Override
    public long put(long key, long value) {
        if (value == 0) {
            throw new IllegalArgumentException("0 is not a value (it marks an empty slot)");
        }
        int i = home(key);
        while (table[2 * i + 1] != 0) {
            if (table[2 * i] == key) {
                long old = table[2 * i + 1];
                table[2 * i + 1] = value;
                return old;
            }
            i = (i + 1) & mask;
        }
        table[2 * i] = key;
        table[2 * i + 1] = value;
        if (++size * 2L > capacity()) {
            rehash(capacity() * 2);
        }
        return 0;
    }

    /**
     * Removes the entry at a slot from {@link #find}, without probing for it again.
     *
     * @param slot the slot (its value not 0)
     * @return the value it had
     */
    @Override
    public long removeAt(int slot) {
        long old = table[2 * slot + 1];
        shiftBack(slot);
        moves++;
        size--;
        return old;
    }

    /**
     * Calls the visitor with every (key, value), in slot order.
     *
     * @param visitor the visitor (must not change this index)
     */
    @Override
    public void forEach(Entry visitor) {
        int n = capacity();
        for (int i = 0; i < n; i++) {
            if (table[2 * i + 1] != 0) {
                visitor.accept(table[2 * i], table[2 * i + 1]);
            }
        }
    }

    @Override
    public long moves() {
        return moves;
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
        return hash(key) & mask;
    }

    /**
     * The hash of a key that this index (and the scorer's row cache) probe from: ids may be small (bucket indices)
     * or hashes, so they are mixed to spread both over a power-of-two table.
     *
     * @param key the key
     * @return its hash; {@code hash & (capacity - 1)} is its home slot
     */
    public static int hash(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    private void allocate(int capacity) {
        table = new long[2 * capacity];
        mask = capacity - 1;
    }

    private void rehash(int capacity) {
        moves++;
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

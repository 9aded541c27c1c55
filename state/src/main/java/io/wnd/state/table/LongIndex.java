package io.wnd.state.table;

/**
 * A map from any long to any long but 0 (the value 0 means "no value"), with slots: {@link #find} gives where a
 * key's value is, for {@link #valueAt} and {@link #setValueAt}, so that a caller that reads a value and later writes
 * it probes once. Implemented by {@link LongLongIndex} (an index of its own) and by a column of a
 * {@link SharedKeyIndex} (two tables keyed alike, in one index). Not thread-safe.
 */
public interface LongIndex {

    /**
     * The number of keys with a value.
     *
     * @return the key count
     */
    int size();

    /**
     * The value of a key.
     *
     * @param key the key
     * @return its value, or 0 if it has none
     */
    long get(long key);

    /**
     * Where a key's value is.
     *
     * @param key the key
     * @return its slot ({@code >= 0}), or -1 if it has no value
     */
    int find(long key);

    /**
     * The number of slots: every slot number is below it. With {@link #keyAt} and {@link #valueAt} a caller can
     * visit every entry and change values in place ({@link #setValueAt}), which {@link #forEach} cannot.
     *
     * @return the capacity
     */
    int slots();

    /**
     * The key at a slot whose {@link #valueAt} is not 0.
     *
     * @param slot the slot
     * @return its key
     */
    long keyAt(int slot);

    /**
     * The value at a slot (0 where there is none).
     *
     * @param slot the slot
     * @return its value
     */
    long valueAt(int slot);

    /**
     * Overwrites the value at a slot from {@link #find}.
     *
     * @param slot  the slot
     * @param value the new value (not 0: use {@link #removeAt})
     */
    void setValueAt(int slot, long value);

    /**
     * Loads the word where a key's probe starts, and nothing else: a caller about to look up many keys can first
     * touch them all in a loop of independent loads, which the CPU overlaps, so that the lookups that follow find
     * the index in its caches instead of waiting for one cache miss after another.
     *
     * @param key the key
     * @return a value of no meaning (sum it into something that is kept, so the load is not optimised away)
     */
    long touch(long key);

    /**
     * Maps a key to a value.
     *
     * @param key   the key
     * @param value the value (not 0)
     * @return the previous value, or 0 if the key had none
     */
    long put(long key, long value);

    /**
     * Removes a key's value.
     *
     * @param key the key
     * @return its value, or 0 if it had none
     */
    default long remove(long key) {
        int i = find(key);
        return i < 0 ? 0 : removeAt(i);
    }

    /**
     * Removes the value at a slot from {@link #find}, without probing for it again.
     *
     * @param slot the slot (its value not 0)
     * @return the value it had
     */
    long removeAt(int slot);

    /**
     * Calls the visitor with every (key, value), in slot order.
     *
     * @param visitor the visitor (must not change this index)
     */
    default void forEach(Entry visitor) {
        int n = slots();
        for (int i = 0; i < n; i++) {
            long v = valueAt(i);
            if (v != 0) {
                visitor.accept(keyAt(i), v);
            }
        }
    }

    /**
     * How many times entries may have moved between slots: it changes whenever they may have (the index grew, or a
     * removal shifted entries back), by this index's own writes or, for a column of a {@link SharedKeyIndex}, by
     * the other column's. A slot found before is valid while it has not changed.
     *
     * @return a count that only grows
     */
    long moves();

    /** Visits one entry. */
    @FunctionalInterface
    interface Entry {
        /**
         * @param key   the key
         * @param value its value (not 0)
         */
        void accept(long key, long value);
    }
}

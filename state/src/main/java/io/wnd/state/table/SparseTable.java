package io.wnd.state.table;

/**
 * A table of float rows keyed by (field, id): {@code field} is a feature index in {@code [0, fields())} (see
 * {@code FeatureSpec.sparseNames()} and {@code FeatureSpec.wideFieldCount()}), {@code id} any 64-bit id. Distinct
 * keys never share a row. Rows are copied in and out, so an implementation may keep them anywhere (on the heap, in
 * RocksDB).
 *
 * <p>Implementations document their thread-safety.
 */
public interface SparseTable {

    /**
     * The length of every row.
     *
     * @return 1 for the wide table, the embedding dimension for the embedding table
     */
    int dim();

    /**
     * The number of fields; keys have {@code 0 <= field < fields()}.
     *
     * @return the field count
     */
    int fields();

    /**
     * The most rows this table holds; {@link #put} of a new key beyond it is refused.
     *
     * @return the row limit
     */
    long maxRows();

    /**
     * The number of rows.
     *
     * @return the row count over all fields
     */
    long size();

    /**
     * Copies a row into a buffer, without allocating.
     *
     * @param field  the field index
     * @param id     the id
     * @param dst    where to copy the row
     * @param offset where in {@code dst} the row starts ({@code dim()} floats are written)
     * @return true if the row exists; false (and {@code dst} untouched) otherwise
     */
    boolean read(int field, long id, float[] dst, int offset);

    /**
     * A copy of a row.
     *
     * @param field the field index
     * @param id    the id
     * @return a new array of {@code dim()} floats, or null if the row does not exist
     */
    default float[] get(int field, long id) {
        float[] row = new float[dim()];
        return read(field, id, row, 0) ? row : null;
    }

    /**
     * Stores a row (a copy of it), replacing any previous one.
     *
     * @param field the field index
     * @param id    the id
     * @param row   {@code dim()} floats
     * @return true if stored; false if the key is new and the table already holds {@link #maxRows()} rows
     * @throws IllegalArgumentException if the field is out of range or the row has the wrong length
     */
    boolean put(int field, long id, float[] row);

    /**
     * Removes a row.
     *
     * @param field the field index
     * @param id    the id
     * @return true if there was such a row
     */
    boolean remove(int field, long id);

    /**
     * Visits every row, in no particular order. The table must not be changed during the visit.
     *
     * @param visitor called once per row
     */
    void forEach(RowVisitor visitor);

    /** Receives the rows of {@link #forEach}. */
    @FunctionalInterface
    interface RowVisitor {
        /**
         * One row.
         *
         * @param field  the field index
         * @param id     the id
         * @param values a buffer holding the row at {@code offset}; valid only during this call, not to be changed
         * @param offset where the row starts in {@code values} ({@code dim()} floats)
         */
        void visit(int field, long id, float[] values, int offset);
    }
}

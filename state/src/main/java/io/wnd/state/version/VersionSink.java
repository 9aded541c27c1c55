package io.wnd.state.version;

/**
 * Where a {@link VersionReader} puts versions: rows are staged as they arrive and become visible only at
 * {@link #commit}, all at once; a refused version is {@link #discard}ed. Called from the reader's thread only.
 */
public interface VersionSink {
  /**
   * Stages a changed row.
   *
   * @param table its table
   * @param field field index
   * @param id 64-bit id
   * @param values the row, {@code dim} floats from {@code offset}
   * @param offset where the row starts
   * @param dim floats in the row
   */
  void stage(Table table, int field, long id, float[] values, int offset, int dim);

  /**
   * Stages a deleted row.
   *
   * @param table its table
   * @param field field index
   * @param id 64-bit id
   */
  void stageDelete(Table table, int field, long id);

  /**
   * Makes everything staged since the last commit, and the version's dense weights, visible at once.
   *
   * @param version the manifest and dense weights
   */
  void commit(ModelVersion version);

  /** Drops everything staged since the last commit: the version was refused. */
  void discard();
}

package io.wnd.state.version;

import io.wnd.state.model.DenseTower;
import io.wnd.state.model.WideDeepModel;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.table.InMemorySparseTable;
import io.wnd.state.table.SparseTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link VersionSink} that keeps the rows on the heap, for readers that need the whole model as tables:
 * {@code wnd export}, {@code wnd versions rollback}, and the trainer's restore. Single-threaded.
 */
public final class TableSink implements VersionSink {
  private final List<Object[]> staged = new ArrayList<>();
  private ModelVersion version;

  private final Map<Integer, Map<Long, float[]>> wide = new HashMap<>();
  private final Map<Integer, Map<Long, float[]>> embeddings = new HashMap<>();

  @Override
  public void stage(Table table, int field, long id, float[] values, int offset, int dim) {
    float[] row = new float[dim];
    System.arraycopy(values, offset, row, 0, dim);
    staged.add(new Object[] {table, field, id, row});
  }

  @Override
  public void stageDelete(Table table, int field, long id) {
    staged.add(new Object[] {table, field, id, null});
  }

  @Override
  public void commit(ModelVersion v) {
    for (Object[] s : staged) {
      Map<Integer, Map<Long, float[]>> t = s[0] == Table.WIDE ? wide : embeddings;
      Map<Long, float[]> rows = t.computeIfAbsent((Integer) s[1], f -> new HashMap<>());
      if (s[3] == null) {
        rows.remove((Long) s[2]);
      } else {
        rows.put((Long) s[2], (float[]) s[3]);
      }
    }
    staged.clear();
    version = v;
  }

  @Override
  public void discard() {
    staged.clear();
  }

  /** @return the version last committed, or null */
  public ModelVersion version() {
    return version;
  }

  /** @return sparse rows held, both tables */
  public long rows() {
    return count(wide) + count(embeddings);
  }

  /**
   * The committed version as a model.
   *
   * @return its spec, tables and tower
   * @throws IllegalStateException if nothing has been committed
   */
  public WideDeepModel model() {
    if (version == null) {
      throw new IllegalStateException("no version committed");
    }
    FeatureSpec spec = FeatureSpec.parse(version.specJson());
    SparseTable w = fill(new InMemorySparseTable(spec.wideFieldCount(), 1, Math.max(spec.maxWideRows(), count(wide))), wide);
    SparseTable e = fill(new InMemorySparseTable(spec.sparseCount(), spec.embeddingDim(),
        Math.max(spec.maxEmbeddingRows(), count(embeddings))), embeddings);
    return new WideDeepModel(spec, w, e, DenseTower.forSpec(spec).fromFlat(version.dense()));
  }

  private static SparseTable fill(SparseTable t, Map<Integer, Map<Long, float[]>> rows) {
    rows.forEach((field, byId) -> byId.forEach((id, row) -> t.put(field, id, row)));
    return t;
  }

  private static long count(Map<Integer, Map<Long, float[]>> t) {
    return t.values().stream().mapToLong(Map::size).sum();
  }
}

package io.wnd.state.store;

import io.wnd.state.table.SparseTable;
import io.wnd.state.version.Table;

/**
 * One table of a {@link ModelView} as a read-only {@link SparseTable}, so the plain-Java forward pass
 * scores against a served version directly. Writes are refused: a served version never changes.
 */
final class ViewTable implements SparseTable {
  private final ModelView view;
  private final Table table;
  private final int dim;
  private final int fields;

  ViewTable(ModelView view, Table table, int dim, int fields) {
    this.view = view;
    this.table = table;
    this.dim = dim;
    this.fields = fields;
  }

  @Override
  public int dim() {
    return dim;
  }

  @Override
  public int fields() {
    return fields;
  }

  @Override
  public long maxRows() {
    return Long.MAX_VALUE;
  }

  @Override
  public long size() {
    return -1;
  }

  @Override
  public boolean read(int field, long id, float[] dst, int offset) {
    return view.read(table, field, id, dst, offset);
  }

  @Override
  public boolean put(int field, long id, float[] row) {
    throw new IllegalStateException("a served model version is read-only");
  }

  @Override
  public boolean remove(int field, long id) {
    throw new IllegalStateException("a served model version is read-only");
  }

  @Override
  public void forEach(RowVisitor visitor) {
    throw new IllegalStateException("a served model version is not enumerable; read the models topic instead");
  }
}

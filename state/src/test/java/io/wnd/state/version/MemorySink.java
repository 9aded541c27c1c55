package io.wnd.state.version;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** A plain-map sink for tests: what a reader has put in service, row by row. */
final class MemorySink implements VersionSink {
  final Map<String, float[]> live = new HashMap<>();
  private final Map<String, float[]> staged = new HashMap<>();
  private final Set<String> deleted = new HashSet<>();
  ModelVersion version;
  int commits;

  static String key(Table t, int field, long id) {
    return t.key() + "/" + field + "/" + id;
  }

  @Override
  public void stage(Table table, int field, long id, float[] values, int offset, int dim) {
    String k = key(table, field, id);
    staged.put(k, Arrays.copyOfRange(values, offset, offset + dim));
    deleted.remove(k);
  }

  @Override
  public void stageDelete(Table table, int field, long id) {
    String k = key(table, field, id);
    staged.remove(k);
    deleted.add(k);
  }

  @Override
  public void commit(ModelVersion v) {
    live.putAll(staged);
    deleted.forEach(live::remove);
    staged.clear();
    deleted.clear();
    version = v;
    commits++;
  }

  @Override
  public void discard() {
    staged.clear();
    deleted.clear();
  }
}

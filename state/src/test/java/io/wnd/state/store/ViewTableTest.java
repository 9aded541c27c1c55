package io.wnd.state.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.wnd.state.version.Table;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ViewTableTest {
  private static final int DIM = 2;
  private static final int FIELDS = 2;

  /** The value every row (field, id) of version v holds: computed here, independent of the store. */
  private static float value(long v, int field, long id) {
    return v * 1_000_000f + field * 100_000f + id;
  }

  @Test
  void shouldServeEveryRowOfItsVersionThroughItsCacheWhateverCollidesInIt(@TempDir Path dir) throws Exception {
    // twice as many rows as the per-thread cache has slots, and no shared cache (0 rows): every slot is fought
    // over, and every row that is not in the per-thread cache comes from RocksDB
    int perField = ViewTable.SLOTS;
    try (ModelStore store = new ModelStore(dir.resolve("db"), 1, FIELDS, 0)) {
      stageAll(store, 1, perField);
      store.commit(ModelStoreTest.version(1, 1f));
      try (ModelView v1 = store.acquire()) {
        ViewTable t1 = new ViewTable(v1, Table.EMBEDDING, DIM, FIELDS);
        readAll(t1, 1, perField, false);
        readAll(t1, 1, perField, true); // again, in the other order: hits and evictions mixed
        float[] dst = {7f, 7f};
        assertThat(t1.read(0, perField + 5L, dst, 0)).as("a row the version does not have").isFalse();
        assertThat(t1.read(0, perField + 5L, dst, 0)).as("and again, now cached as absent").isFalse();
        assertThat(dst).as("an absent row leaves the buffer alone").containsExactly(7f, 7f);
        assertThat(t1.read(FIELDS, 1L, dst, 0)).as("a field out of range").isFalse();

        // a new version changes every row; a table of the old view still serves the old rows exactly
        stageAll(store, 2, perField);
        store.commit(ModelStoreTest.version(2, 2f));
        try (ModelView v2 = store.acquire()) {
          ViewTable t2 = new ViewTable(v2, Table.EMBEDDING, DIM, FIELDS);
          readAll(t2, 2, perField, false);
          readAll(t1, 1, perField, false);
        }
        assertThat(v1.cacheHits() + v1.cacheMisses()).as("every read is counted as a hit or a miss, give or take "
            + "the per-thread hits not yet added").isGreaterThan(2L * FIELDS * perField);
      }
    }
  }

  private static void stageAll(ModelStore store, long v, int perField) throws Exception {
    for (int f = 0; f < FIELDS; f++) {
      for (long id = 0; id < perField; id++) {
        float x = value(v, f, id);
        store.stage(Table.EMBEDDING, f, id, new float[] {x, -x}, 0, DIM);
      }
    }
  }

  private static void readAll(ViewTable t, long v, int perField, boolean reverse) {
    float[] dst = new float[DIM + 1];
    for (int i = 0; i < perField; i++) {
      long id = reverse ? perField - 1 - i : i;
      for (int f = 0; f < FIELDS; f++) {
        Arrays.fill(dst, Float.NaN);
        assertThat(t.read(f, id, dst, 1)).as("row %d/%d of v%d", f, id, v).isTrue();
        float x = value(v, f, id);
        assertThat(dst).as("row %d/%d of v%d", f, id, v).containsExactly(Float.NaN, x, -x);
      }
    }
  }
}

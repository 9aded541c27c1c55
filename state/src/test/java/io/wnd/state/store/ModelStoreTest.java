package io.wnd.state.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.wnd.state.version.ModelVersion;
import io.wnd.state.version.Table;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreTest {
  private static final int DIM = 4;

  static ModelVersion version(long v, float denseValue) {
    float[] dense = new float[16];
    java.util.Arrays.fill(dense, denseValue);
    return new ModelVersion("m", v, v - 1, v, v, Map.of(), Map.of(), "{}", dense, 0);
  }

  static float[] row(float value) {
    float[] r = new float[DIM];
    java.util.Arrays.fill(r, value);
    return r;
  }

  @Test
  void shouldHideStagedRowsUntilCommitAndUndoADiscardedVersion(@TempDir Path dir) throws Exception {
    try (ModelStore store = new ModelStore(dir.resolve("db"), 3, 3, 1_000)) {
      assertThat(store.acquire()).as("nothing in service yet").isNull();
      store.stage(Table.EMBEDDING, 0, 11L, row(1f), 0, DIM);
      store.stage(Table.WIDE, 2, 12L, new float[] {0.5f}, 0, 1);
      store.commit(version(1, 1f));
      float[] dst = new float[DIM];
      try (ModelView v1 = store.acquire()) {
        assertThat(v1.read(Table.EMBEDDING, 0, 11L, dst, 0)).isTrue();
        assertThat(dst).containsExactly(1f, 1f, 1f, 1f);
        assertThat(v1.read(Table.EMBEDDING, 0, 99L, dst, 0)).isFalse();

        store.stage(Table.EMBEDDING, 0, 11L, row(2f), 0, DIM);
        store.stage(Table.EMBEDDING, 1, 13L, row(2f), 0, DIM);
        store.stageDelete(Table.WIDE, 2, 12L);
        assertThat(v1.read(Table.EMBEDDING, 0, 11L, dst, 0)).isTrue();
        assertThat(dst).as("staged rows are invisible to the version in service").containsExactly(1f, 1f, 1f, 1f);
        assertThat(v1.read(Table.EMBEDDING, 1, 13L, dst, 0)).isFalse();

        store.discard();
      }
      try (ModelView again = store.acquire()) {
        assertThat(again.version().version()).isEqualTo(1);
        // bypass the cache: a fresh read of a row not read before
        assertThat(again.read(Table.EMBEDDING, 1, 13L, dst, 0)).as("discarded row is gone").isFalse();
        float[] w = new float[1];
        assertThat(again.read(Table.WIDE, 2, 12L, w, 0)).as("discarded delete is undone").isTrue();
        assertThat(w[0]).isEqualTo(0.5f);
      }

      store.stage(Table.EMBEDDING, 0, 11L, row(3f), 0, DIM);
      store.stageDelete(Table.WIDE, 2, 12L);
      ModelView held = store.acquire();
      store.commit(version(2, 2f));
      try (ModelView v2 = store.acquire()) {
        assertThat(v2.version().version()).isEqualTo(2);
        assertThat(v2.read(Table.EMBEDDING, 0, 11L, dst, 0)).isTrue();
        assertThat(dst).as("the changed row is not served from v1's cache").containsExactly(3f, 3f, 3f, 3f);
        assertThat(v2.read(Table.WIDE, 2, 12L, new float[1], 0)).isFalse();
      }
      // a view acquired before the swap still reads v1 exactly
      assertThat(held.read(Table.EMBEDDING, 0, 11L, dst, 0)).isTrue();
      assertThat(dst).containsExactly(1f, 1f, 1f, 1f);
      assertThat(held.version().version()).isEqualTo(1);
      held.close();
    }
  }

  @Test
  void shouldCarryTheCachedRowsAVersionChangesOverWithTheirNewValues(@TempDir Path dir) throws Exception {
    try (ModelStore store = new ModelStore(dir.resolve("db"), 2, 2, 1_000)) {
      store.stage(Table.EMBEDDING, 0, 1L, row(1f), 0, DIM);
      store.stage(Table.EMBEDDING, 0, 2L, row(1f), 0, DIM);
      store.stage(Table.EMBEDDING, 1, 3L, row(1f), 0, DIM);
      store.stage(Table.WIDE, 1, 4L, new float[] {0.5f}, 0, 1);
      // staged and deleted: in the key filter, not in the store (a false positive), so its absence gets cached
      store.stage(Table.EMBEDDING, 0, 5L, row(1f), 0, DIM);
      store.stageDelete(Table.EMBEDDING, 0, 5L);
      store.commit(version(1, 1f));
      float[] dst = new float[DIM];
      float[] w = new float[1];
      try (ModelView v1 = store.acquire()) {
        assertThat(v1.read(Table.EMBEDDING, 0, 7L, dst, 0)).as("never staged").isFalse();
        assertThat(store.filteredAbsent()).isEqualTo(1);
        assertThat(store.cacheMisses()).as("ruled out by the key filter, not read").isZero();
        // cached: rows 1, 2, 3, the wide row, and the absence of 5
        assertThat(v1.read(Table.EMBEDDING, 0, 1L, dst, 0)).isTrue();
        assertThat(v1.read(Table.EMBEDDING, 0, 2L, dst, 0)).isTrue();
        assertThat(v1.read(Table.EMBEDDING, 1, 3L, dst, 0)).isTrue();
        assertThat(v1.read(Table.WIDE, 1, 4L, w, 0)).isTrue();
        assertThat(v1.read(Table.EMBEDDING, 0, 5L, dst, 0)).isFalse();
        assertThat(store.cacheMisses()).isEqualTo(5);
      }
      float[] staged = row(2f);
      store.stage(Table.EMBEDDING, 0, 1L, staged, 0, DIM);
      staged[0] = 7f; // the caller's array is its own again after stage: the store kept a copy
      store.stage(Table.EMBEDDING, 0, 2L, row(2f), 0, DIM);
      store.stage(Table.EMBEDDING, 0, 2L, row(3f), 0, DIM); // staged twice: the last row counts
      store.stageDelete(Table.EMBEDDING, 1, 3L);
      store.stage(Table.WIDE, 1, 4L, new float[] {0.25f}, 0, 1);
      store.stage(Table.EMBEDDING, 0, 5L, row(2f), 0, DIM); // was a cached absence
      store.stage(Table.EMBEDDING, 0, 6L, row(2f), 0, DIM); // not cached
      try (ModelView v1 = store.acquire()) {
        // read after it was staged: the old view caches its old row (absence), which the new view must not keep
        assertThat(v1.read(Table.EMBEDDING, 0, 6L, dst, 0)).isFalse();
      }
      store.commit(version(2, 2f));
      try (ModelView v2 = store.acquire()) {
        assertThat(v2.read(Table.EMBEDDING, 0, 1L, dst, 0)).isTrue();
        assertThat(dst).containsExactly(2f, 2f, 2f, 2f);
        assertThat(v2.read(Table.EMBEDDING, 0, 2L, dst, 0)).isTrue();
        assertThat(dst).containsExactly(3f, 3f, 3f, 3f);
        assertThat(v2.read(Table.EMBEDDING, 1, 3L, dst, 0)).as("deleted").isFalse();
        assertThat(v2.read(Table.WIDE, 1, 4L, w, 0)).isTrue();
        assertThat(w[0]).isEqualTo(0.25f);
        assertThat(v2.read(Table.EMBEDDING, 0, 5L, dst, 0)).isTrue();
        assertThat(dst).containsExactly(2f, 2f, 2f, 2f);
        assertThat(store.cacheMisses()).as("the rows the old view had cached, changed or not, are hits").isEqualTo(6);
        assertThat(store.cacheHits()).isEqualTo(5);
        assertThat(v2.read(Table.EMBEDDING, 0, 6L, dst, 0)).as("cached by the old view after staging").isTrue();
        assertThat(dst).containsExactly(2f, 2f, 2f, 2f);
        assertThat(store.cacheMisses()).isEqualTo(7);
      }
    }
  }

  @Test
  void shouldRuleOutIdsInNoVersionWithoutReadingOrCachingThemAndRebuildTheKeyFilterWhenOutgrown(@TempDir Path dir)
      throws Exception {
    // a key filter first sized for 64 keys: the first version's 2,000 outgrow it
    try (ModelStore store = new ModelStore(dir.resolve("db"), 2, 2, 100_000, 64)) {
      for (long id = 0; id < 2_000; id++) {
        store.stage(Table.EMBEDDING, (int) (id % 2), id, row(id), 0, DIM);
      }
      store.commit(version(1, 1f));
      float[] dst = new float[DIM];
      try (ModelView v = store.acquire()) {
        for (long id = 0; id < 2_000; id++) {
          assertThat(v.read(Table.EMBEDDING, (int) (id % 2), id, dst, 0)).as("id %d", id).isTrue();
          assertThat(dst[0]).isEqualTo(id);
        }
        assertThat(store.cacheMisses()).isEqualTo(2_000);
        for (long id = 1_000_000; id < 1_010_000; id++) {
          assertThat(v.read(Table.EMBEDDING, (int) (id % 2), id, dst, 0)).isFalse();
          assertThat(v.read(Table.WIDE, 0, id - 1_000_000, dst, 0)).as("another table").isFalse();
        }
      }
      long read = store.cacheMisses() - 2_000;
      assertThat(read).as("false positives of 20,000 absent keys, read from RocksDB").isLessThan(200);
      assertThat(store.filteredAbsent()).isEqualTo(20_000 - read);
      assertThat(store.cachedRows()).as("the rows, and only the absences read from RocksDB").isEqualTo(2_000 + read);
      // deleted rows are false positives: read, found absent
      for (long id = 0; id < 2_000; id += 2) {
        store.stageDelete(Table.EMBEDDING, 0, id);
      }
      store.commit(version(2, 2f));
      try (ModelView v = store.acquire()) {
        assertThat(v.read(Table.EMBEDDING, 0, 10L, dst, 0)).isFalse();
        assertThat(v.read(Table.EMBEDDING, 1, 11L, dst, 0)).isTrue();
      }
    }
  }

  @Test
  void shouldNeverLetAReaderSeeAMixOfTwoVersionsWhileVersionsSwap(@TempDir Path dir) throws Exception {
    int rows = 300;
    int versions = 150;
    try (ModelStore store = new ModelStore(dir.resolve("db"), 2, 2, 100)) {
      for (int i = 0; i < rows; i++) {
        store.stage(Table.EMBEDDING, i % 2, i, row(1f), 0, DIM);
        store.stage(Table.WIDE, i % 2, i, new float[] {1f}, 0, 1);
      }
      store.commit(version(1, 1f));
      AtomicBoolean done = new AtomicBoolean();
      AtomicLong checks = new AtomicLong();
      ExecutorService pool = Executors.newFixedThreadPool(3);
      List<Future<String>> readers = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        readers.add(pool.submit(() -> {
          float[] dst = new float[DIM];
          float[] w = new float[1];
          long seenVersions = 0;
          while (!done.get()) {
            try (ModelView v = store.acquire()) {
              float expected = v.version().version();
              if (v.version().dense()[0] != expected) {
                return "dense of v" + v.version().version() + " reads " + v.version().dense()[0];
              }
              for (int i = 0; i < rows; i++) {
                if (!v.read(Table.EMBEDDING, i % 2, i, dst, 0) || dst[0] != expected || dst[DIM - 1] != expected) {
                  return "v" + (long) expected + " row " + i + " reads " + dst[0];
                }
                if (!v.read(Table.WIDE, i % 2, i, w, 0) || w[0] != expected) {
                  return "v" + (long) expected + " wide row " + i + " reads " + w[0];
                }
              }
              seenVersions++;
              checks.incrementAndGet();
            }
          }
          return seenVersions > 0 ? null : "no version was read";
        }));
      }
      for (long v = 2; v <= versions; v++) {
        for (int i = 0; i < rows; i++) {
          store.stage(Table.EMBEDDING, i % 2, i, row(v), 0, DIM);
          store.stage(Table.WIDE, i % 2, i, new float[] {v}, 0, 1);
        }
        if (v % 10 == 0) {
          // a refused version in between: staged then discarded, never visible
          store.discard();
          for (int i = 0; i < rows; i++) {
            store.stage(Table.EMBEDDING, i % 2, i, row(v), 0, DIM);
            store.stage(Table.WIDE, i % 2, i, new float[] {v}, 0, 1);
          }
        }
        store.commit(version(v, v));
      }
      done.set(true);
      for (Future<String> f : readers) {
        assertThat(f.get()).isNull();
      }
      pool.shutdown();
      assertThat(checks.get()).isGreaterThan(versions / 10);
      assertThat(store.version()).isEqualTo(versions);
    }
  }
}

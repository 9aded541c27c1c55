package io.wnd.state.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RowCacheTest {

  @Test
  void behavesLikeAMapUnderRandomPutsRemovesAndCopies() {
    SplittableRandom random = new SplittableRandom(3);
    RowCache cache = new RowCache();
    Map<Long, float[]> model = new HashMap<>();
    for (int op = 0; op < 200_000; op++) {
      // a small id range so that clusters form, collide and get removed from
      long id = random.nextInt(3) == 0 ? random.nextLong() : random.nextLong(-2_000, 2_000);
      int kind = random.nextInt(10);
      if (kind < 6) {
        float[] row = random.nextInt(5) == 0 ? new float[0] : new float[] {id, op};
        boolean added = cache.putIfAbsent(id, row);
        assertThat(added).isEqualTo(!model.containsKey(id));
        model.putIfAbsent(id, row);
      } else if (kind < 9) {
        cache.remove(id);
        model.remove(id);
      } else {
        assertCached(cache, id, model.get(id));
      }
      if (op % 50_000 == 0) {
        RowCache copy = cache.copy();
        cache = copy;
      }
    }
    assertThat(cache.size()).isEqualTo(model.size());
    for (Map.Entry<Long, float[]> e : model.entrySet()) {
      assertCached(cache, e.getKey(), e.getValue());
    }
  }

  @Test
  void keepsItsAbsencesWhenTheFirstRowSetsItsWidthAndRefusesRowsOfAnotherWidth() {
    RowCache cache = new RowCache();
    for (long id = 0; id < 100; id++) {
      cache.putIfAbsent(id, new float[0]);
    }
    assertThat(cache.putIfAbsent(1_000, new float[] {1, 2, 3})).isTrue();
    for (long id = 0; id < 100; id++) {
      assertCached(cache, id, new float[0]);
    }
    assertCached(cache, 1_000, new float[] {1, 2, 3});
    assertThatThrownBy(() -> cache.putIfAbsent(1_001, new float[] {1, 2}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 floats").hasMessageContaining("of 3");
    RowCache copy = cache.copy();
    assertThat(copy.replace(5, new float[] {-1, -2, -3})).isTrue();
    assertThat(copy.replace(1_000, new float[0])).isTrue();
    assertThat(copy.replace(2_000, new float[] {7, 8, 9})).isFalse();
    assertCached(copy, 5, new float[] {-1, -2, -3});
    assertCached(copy, 1_000, new float[0]);
    assertCached(copy, 2_000, null);
    // the original is untouched by its copy's changes
    assertCached(cache, 5, new float[0]);
    assertCached(cache, 1_000, new float[] {1, 2, 3});
  }

  /** Checks what the cache holds for an id: {@code expected} null for nothing, zero-length for an absence. */
  private static void assertCached(RowCache cache, long id, float[] expected) {
    float[] dst = new float[8];
    java.util.Arrays.fill(dst, Float.NaN);
    int result = cache.read(id, dst, 2);
    assertThat(cache.contains(id)).isEqualTo(expected != null);
    if (expected == null) {
      assertThat(result).isEqualTo(RowCache.MISS);
    } else if (expected.length == 0) {
      assertThat(result).isEqualTo(RowCache.ABSENT);
    } else {
      assertThat(result).isEqualTo(RowCache.HIT);
      assertThat(java.util.Arrays.copyOfRange(dst, 2, 2 + expected.length)).containsExactly(expected);
    }
    // nothing written outside the row
    assertThat(dst[0]).isNaN();
    assertThat(dst[1]).isNaN();
  }

  @Test
  void readersSeeEitherNothingOrTheRowOfTheirIdWhileWritersAddAndGrow() throws Exception {
    RowCache cache = new RowCache();
    int perWriter = 200_000;
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicLong found = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < 2; w++) {
      long base = w * 1_000_000_000L;
      threads.add(new Thread(() -> {
        for (long i = 0; i < perWriter; i++) {
          long id = base + i;
          cache.putIfAbsent(id, new float[] {(float) (id % 1_000_003)});
        }
      }));
    }
    for (int r = 0; r < 2; r++) {
      long seed = r;
      threads.add(new Thread(() -> {
        SplittableRandom random = new SplittableRandom(seed);
        try {
          for (int i = 0; i < 2_000_000; i++) {
            long id = random.nextInt(2) * 1_000_000_000L + random.nextInt(perWriter);
            float[] row = new float[1];
            if (cache.read(id, row, 0) == RowCache.HIT) {
              assertThat(row[0]).isEqualTo((float) (id % 1_000_003));
              found.incrementAndGet();
            }
          }
        } catch (Throwable t) {
          failure.compareAndSet(null, t);
        }
      }));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    assertThat(failure.get()).isNull();
    assertThat(cache.size()).isEqualTo(2 * perWriter);
    for (long id = 0; id < perWriter; id += 997) {
      assertCached(cache, id, new float[] {(float) (id % 1_000_003)});
    }
    assertThat(found.get()).as("readers found rows while writers were adding").isPositive();
  }
}

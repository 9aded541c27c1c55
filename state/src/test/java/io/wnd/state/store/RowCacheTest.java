package io.wnd.state.store;

import static org.assertj.core.api.Assertions.assertThat;

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
        assertThat(cache.get(id)).isSameAs(model.get(id));
      }
      if (op % 50_000 == 0) {
        RowCache copy = cache.copy();
        cache = copy;
      }
    }
    assertThat(cache.size()).isEqualTo(model.size());
    for (Map.Entry<Long, float[]> e : model.entrySet()) {
      assertThat(cache.get(e.getKey())).isSameAs(e.getValue());
    }
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
            float[] row = cache.get(id);
            if (row != null) {
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
      assertThat(cache.get(id)[0]).isEqualTo((float) (id % 1_000_003));
    }
    assertThat(found.get()).as("readers found rows while writers were adding").isPositive();
  }
}

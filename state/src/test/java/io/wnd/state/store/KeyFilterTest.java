package io.wnd.state.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KeyFilterTest {

  @Test
  void shouldKeepEveryKeyAddedAndRuleOutNearlyAllOthersUpToItsCapacity() {
    KeyFilter f = new KeyFilter(100_000);
    assertThat(f.capacity()).isGreaterThanOrEqualTo(100_000);
    SplittableRandom random = new SplittableRandom(7);
    long[] ids = new long[(int) f.capacity()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = random.nextLong();
      f.add(i % 2, i % 39, ids[i]);
    }
    assertThat(f.added()).as("about every key counted once").isBetween(ids.length * 95L / 100, (long) ids.length);
    for (int i = 0; i < ids.length; i++) {
      assertThat(f.mightContain(i % 2, i % 39, ids[i])).isTrue();
    }
    int falsePositives = 0;
    for (int i = 0; i < 100_000; i++) {
      // other ids; and the same ids in another field or table
      falsePositives += f.mightContain(0, 3, random.nextLong()) ? 1 : 0;
      falsePositives += f.mightContain((i + 1) % 2, i % 39, ids[i]) ? 1 : 0;
      falsePositives += f.mightContain(i % 2, (i + 1) % 39, ids[i]) ? 1 : 0;
    }
    assertThat(falsePositives / 300_000.0).as("false positive rate when full").isLessThan(0.02);
  }

  @Test
  void shouldCountAKeyAddedTwiceOnce() {
    KeyFilter f = new KeyFilter(10);
    f.add(1, 2, 3L);
    f.add(1, 2, 3L);
    assertThat(f.added()).isEqualTo(1);
    assertThat(f.mightContain(1, 2, 3L)).isTrue();
  }
}

package io.wnd.state.table;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SharedKeyIndexTest {

    @Test
    void shouldBehaveLikeTwoHashMapsUnderRandomPutsAndRemovesThroughEitherColumn() {
        SplittableRandom random = new SplittableRandom(5);
        long[] universe = new long[3000];
        for (int i = 0; i < universe.length; i++) {
            universe[i] = i < 100 ? i : i == 100 ? Long.MIN_VALUE : i == 101 ? -1L : random.nextLong();
        }
        SharedKeyIndex index = new SharedKeyIndex();
        LongIndex[] columns = {index.column(0), index.column(1)};
        @SuppressWarnings("unchecked")
        Map<Long, Long>[] reference = new Map[]{new HashMap<Long, Long>(), new HashMap<Long, Long>()};
        for (int step = 0; step < 300_000; step++) {
            int c = random.nextInt(2);
            LongIndex column = columns[c];
            long key = universe[random.nextInt(universe.length)];
            int op = random.nextInt(10);
            if (op < 5) {
                long value = random.nextLong();
                if (value == 0) {
                    continue;
                }
                Long old = reference[c].put(key, value);
                assertThat(column.put(key, value)).isEqualTo(old == null ? 0 : old);
            } else if (op < 7) {
                Long old = reference[c].remove(key);
                assertThat(column.remove(key)).isEqualTo(old == null ? 0 : old);
            } else if (op < 8) {
                int slot = column.find(key);
                if (slot >= 0) {
                    reference[c].put(key, 42L);
                    column.setValueAt(slot, 42L);
                }
            } else {
                Long value = reference[c].get(key);
                assertThat(column.get(key)).isEqualTo(value == null ? 0 : value);
                int slot = column.find(key);
                assertThat(slot >= 0).isEqualTo(value != null);
                if (slot >= 0) {
                    assertThat(column.keyAt(slot)).isEqualTo(key);
                    assertThat(column.valueAt(slot)).isEqualTo(value);
                    assertThat(index.valueAt(slot, c)).isEqualTo(value);
                    Long other = reference[1 - c].get(key);
                    assertThat(index.valueAt(slot, 1 - c)).isEqualTo(other == null ? 0 : other);
                }
                boolean either = value != null || reference[1 - c].containsKey(key);
                assertThat(index.find(key) >= 0).isEqualTo(either);
            }
            if (step % 10_000 == 0) {
                Set<Long> keys = new HashSet<>(reference[0].keySet());
                keys.addAll(reference[1].keySet());
                assertThat(index.keys()).isEqualTo(keys.size());
                for (int k = 0; k < 2; k++) {
                    assertThat(columns[k].size()).isEqualTo(reference[k].size());
                    Map<Long, Long> seen = new HashMap<>();
                    columns[k].forEach(seen::put);
                    assertThat(seen).isEqualTo(reference[k]);
                }
            }
        }
    }

    @Test
    void shouldKeepAKeyForTheOtherColumnAndTellBothColumnsWhenEntriesMayHaveMoved() {
        SharedKeyIndex index = new SharedKeyIndex();
        LongIndex ftrl = index.column(0);
        LongIndex embedding = index.column(1);
        ftrl.put(7, 70);
        embedding.put(7, 700);
        int slot = ftrl.find(7);
        assertThat(embedding.find(7)).isEqualTo(slot);
        long moves = ftrl.moves();

        // removing one value leaves the key, in its slot, for the other: nothing moves
        assertThat(embedding.remove(7)).isEqualTo(700);
        assertThat(embedding.find(7)).isEqualTo(-1);
        assertThat(ftrl.find(7)).isEqualTo(slot);
        assertThat(ftrl.moves()).isEqualTo(moves);
        assertThat(index.keys()).isEqualTo(1);
        // a value put again into a kept key goes into its slot
        embedding.put(7, 701);
        assertThat(embedding.find(7)).isEqualTo(slot);

        // growth by one column's puts moves the other's entries: both columns see it
        for (long k = 100; k < 200; k++) {
            embedding.put(k, k);
        }
        assertThat(ftrl.moves()).isGreaterThan(moves).isEqualTo(embedding.moves()).isEqualTo(index.moves());
        assertThat(ftrl.get(7)).isEqualTo(70);
        assertThat(ftrl.size()).isEqualTo(1);
        assertThat(embedding.size()).isEqualTo(101);

        // a key's last value removed: the key goes, and entries after it may shift back
        long before = ftrl.moves();
        assertThat(embedding.remove(150)).isEqualTo(150);
        assertThat(index.find(150)).isEqualTo(-1);
        assertThat(ftrl.moves()).isGreaterThan(before);
        assertThat(index.keys()).isEqualTo(100);

        assertThatThrownBy(() -> ftrl.put(8, 0)).isInstanceOf(IllegalArgumentException.class);
        int onlyEmbedding = index.find(120);
        assertThatThrownBy(() -> ftrl.setValueAt(onlyEmbedding, 1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("use put");
    }

    @Test
    void shouldCountMovesOfAnIndexOfItsOwn() {
        LongLongIndex index = new LongLongIndex();
        long moves = index.moves();
        index.put(1, 1);
        assertThat(index.moves()).isEqualTo(moves);
        for (long k = 2; k < 20; k++) {
            index.put(k, k);
        }
        assertThat(index.moves()).isGreaterThan(moves); // it grew
        moves = index.moves();
        index.remove(5);
        assertThat(index.moves()).isGreaterThan(moves);
    }
}

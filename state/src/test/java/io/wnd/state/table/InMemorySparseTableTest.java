package io.wnd.state.table;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InMemorySparseTableTest {

    /** A key of the reference map: (field, id). */
    private record Key(int field, long id) {
    }

    @Test
    void shouldBehaveLikeAHashMapUnderRandomPutsAndRemoves() {
        SplittableRandom random = new SplittableRandom(11);
        int fields = 3;
        int dim = 4;
        long[] universe = new long[400];
        for (int i = 0; i < universe.length; i++) {
            // small ids (bucket indices), the extremes and hashes, so both the mixing and the probing are exercised
            universe[i] = i < 50 ? i : i < 53 ? new long[]{Long.MIN_VALUE, Long.MAX_VALUE, -1L}[i - 50]
                    : random.nextLong();
        }
        InMemorySparseTable table = new InMemorySparseTable(fields, dim, 1_000_000);
        Map<Key, float[]> reference = new HashMap<>();

        for (int step = 0; step < 200_000; step++) {
            Key key = new Key(random.nextInt(fields), universe[random.nextInt(universe.length)]);
            int op = random.nextInt(10);
            if (op < 5) {
                float[] row = new float[dim];
                for (int d = 0; d < dim; d++) {
                    row[d] = (float) random.nextGaussian();
                }
                assertThat(table.put(key.field(), key.id(), row)).isTrue();
                reference.put(key, row.clone());
                row[0] = Float.NaN; // the table must have copied the row
            } else if (op < 8) {
                assertThat(table.remove(key.field(), key.id())).isEqualTo(reference.remove(key) != null);
            } else {
                assertThat(table.get(key.field(), key.id())).isEqualTo(reference.get(key));
            }
            assertThat(table.size()).isEqualTo(reference.size());
        }

        Map<Key, float[]> visited = new HashMap<>();
        table.forEach((field, id, values, offset) -> {
            float[] row = new float[dim];
            System.arraycopy(values, offset, row, 0, dim);
            assertThat(visited.put(new Key(field, id), row)).isNull();
        });
        assertThat(visited).containsOnlyKeys(reference.keySet());
        reference.forEach((k, v) -> assertThat(visited.get(k)).containsExactly(v));
    }

    @Test
    void shouldKeepTheSameIdInTwoFieldsApart() {
        InMemorySparseTable table = new InMemorySparseTable(2, 1, 10);

        table.put(0, 42L, new float[]{1f});
        table.put(1, 42L, new float[]{2f});

        assertThat(table.get(0, 42L)).containsExactly(1f);
        assertThat(table.get(1, 42L)).containsExactly(2f);
        assertThat(table.get(0, 43L)).isNull();
    }

    @Test
    void shouldReadIntoABufferAtAnOffsetAndLeaveItAloneWhenAbsent() {
        InMemorySparseTable table = new InMemorySparseTable(1, 2, 10);
        table.put(0, 5L, new float[]{3f, 4f});
        float[] buffer = {9f, 9f, 9f, 9f};

        assertThat(table.read(0, 5L, buffer, 1)).isTrue();
        assertThat(table.read(0, 6L, buffer, 2)).isFalse();

        assertThat(buffer).containsExactly(9f, 3f, 4f, 9f);
    }

    @Test
    void shouldRefuseNewRowsBeyondTheLimitButStillUpdateAndReuseRows() {
        InMemorySparseTable table = new InMemorySparseTable(1, 1, 2);
        assertThat(table.put(0, 1L, new float[]{1f})).isTrue();
        assertThat(table.put(0, 2L, new float[]{2f})).isTrue();

        assertThat(table.put(0, 3L, new float[]{3f})).isFalse();
        assertThat(table.put(0, 2L, new float[]{20f})).isTrue();
        assertThat(table.remove(0, 1L)).isTrue();
        assertThat(table.put(0, 3L, new float[]{3f})).isTrue();

        assertThat(table.size()).isEqualTo(2);
        assertThat(table.get(0, 2L)).containsExactly(20f);
        assertThat(table.get(0, 3L)).containsExactly(3f);
        assertThat(table.get(0, 1L)).isNull();
    }

    @Test
    void shouldRefuseARowOfTheWrongLengthOrField() {
        InMemorySparseTable table = new InMemorySparseTable(1, 3, 10);

        assertThatThrownBy(() -> table.put(0, 1L, new float[2])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3 values, got 2");
        assertThatThrownBy(() -> table.put(1, 1L, new float[3])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("field 1 is out of range");
    }

    @Test
    void shouldGrowPastItsInitialCapacity() {
        InMemorySparseTable table = new InMemorySparseTable(1, 2, 100_000);
        List<Long> ids = new ArrayList<>();
        for (long i = 0; i < 50_000; i++) {
            ids.add(i * 0x100000000L); // ids that differ only in high bits
            table.put(0, i * 0x100000000L, new float[]{i, -i});
        }

        for (long i = 0; i < 50_000; i++) {
            assertThat(table.get(0, ids.get((int) i))).containsExactly(i, -i);
        }
        assertThat(table.size()).isEqualTo(50_000);
    }
}

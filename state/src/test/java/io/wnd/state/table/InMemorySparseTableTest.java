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

    @Test
    void shouldKeepMarksBesideRowsWithoutShowingThemAsRows() {
        SplittableRandom random = new SplittableRandom(3);
        InMemorySparseTable table = new InMemorySparseTable(2, 1, 1_000_000);
        Map<Key, Float> rows = new HashMap<>();
        Map<Key, Long> marks = new HashMap<>();
        for (int step = 0; step < 100_000; step++) {
            Key key = new Key(random.nextInt(2), random.nextLong(-300, 300));
            int op = random.nextInt(6);
            if (op == 0) {
                float v = (float) random.nextGaussian();
                assertThat(table.putRow(key.field(), key.id(), new float[]{v})).isNotNegative();
                rows.put(key, v);
                marks.remove(key); // a row replaces the mark
            } else if (op == 1) {
                assertThat(table.remove(key.field(), key.id())).isEqualTo(rows.remove(key) != null);
            } else if (op == 2 && !rows.containsKey(key)) {
                long mark = random.nextLong(Long.MIN_VALUE, 0);
                assertThat(table.setMark(key.field(), key.id(), mark)).isTrue();
                marks.put(key, mark);
            } else if (op == 3) {
                assertThat(table.removeMark(key.field(), key.id())).isEqualTo(marks.remove(key) != null);
            } else {
                long entry = table.entry(key.field(), key.id());
                if (rows.containsKey(key)) {
                    int row = InMemorySparseTable.rowOf(entry);
                    assertThat(row).isEqualTo(table.row(key.field(), key.id())).isNotNegative();
                    assertThat(table.get(key.field(), key.id())).containsExactly(rows.get(key));
                } else {
                    assertThat(entry).isEqualTo(marks.getOrDefault(key, 0L));
                    assertThat(table.row(key.field(), key.id())).isEqualTo(-1);
                    assertThat(table.get(key.field(), key.id())).as("a mark is not a row").isNull();
                }
            }
            assertThat(table.size()).isEqualTo(rows.size());
            assertThat(table.marks()).isEqualTo(marks.size());
        }
        Map<Key, Float> visitedRows = new HashMap<>();
        table.forEach((field, id, values, offset) -> visitedRows.put(new Key(field, id), values[offset]));
        assertThat(visitedRows).isEqualTo(rows);
        Map<Key, Long> visitedMarks = new HashMap<>();
        table.forEachMark((field, id, mark) -> visitedMarks.put(new Key(field, id), mark));
        assertThat(visitedMarks).isEqualTo(marks);
    }

    @Test
    void shouldRefuseAMarkOnARowAndMarksBeyondTheLimit() {
        InMemorySparseTable table = new InMemorySparseTable(1, 1, 2);
        table.put(0, 1L, new float[]{1f});

        assertThatThrownBy(() -> table.setMark(0, 1L, -5L)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("has a row");
        assertThatThrownBy(() -> table.setMark(0, 2L, 5L)).isInstanceOf(IllegalArgumentException.class);
        assertThat(table.setMark(0, 2L, -1L)).isTrue();
        assertThat(table.setMark(0, 3L, -1L)).isTrue();
        assertThat(table.setMark(0, 4L, -1L)).as("two marks at most").isFalse();
        assertThat(table.setMark(0, 3L, -7L)).as("an update of a mark").isTrue();
        assertThat(table.entry(0, 3L)).isEqualTo(-7L);
        assertThat(table.removeRow(0, 3L)).as("a mark is not a row to remove").isEqualTo(-1);
        assertThat(table.marks()).isEqualTo(2);
        // a refused mark leaves the row as it was, also at the cap on marks
        assertThatThrownBy(() -> table.setMark(0, 1L, -5L)).isInstanceOf(IllegalStateException.class);
        assertThat(table.entry(0, 1L)).isEqualTo(table.row(0, 1L) + 1L);
        assertThat(table.get(0, 1L)).containsExactly(1f);
        // a marked key admitted: its mark becomes its row
        assertThat(table.putRow(0, 2L, new float[]{2f})).isNotNegative();
        assertThat(table.marks()).isEqualTo(1);
        assertThat(table.get(0, 2L)).containsExactly(2f);
    }

    @Test
    void shouldKeepTheOwnersFloatsBesideEachRowWithoutShowingThemAsPartOfIt() {
        InMemorySparseTable table = new InMemorySparseTable(2, 2, 100_000, 3);
        int rows = 40_000; // more than one page of rows
        for (int i = 0; i < rows; i++) {
            int row = table.putRow(i % 2, i, new float[]{i, -i});
            float[] page = table.rowPage(row);
            int at = table.rowOffset(row);
            assertThat(page[at]).isEqualTo(i);
            assertThat(page[at + 1]).isEqualTo(-i);
            page[at + 2] = 0.5f * i;
            page[at + 3] = 7f;
            page[at + 4] = -0.5f * i;
        }
        // writing a row leaves its owner's floats alone; reading one copies only the row
        int row = table.row(1, 7);
        table.writeRow(row, new float[]{70f, 71f});
        float[] dst = {9f, 9f, 9f, 9f};
        assertThat(table.read(1, 7, dst, 1)).isTrue();
        assertThat(dst).containsExactly(9f, 70f, 71f, 9f);
        float[] page = table.rowPage(row);
        assertThat(page[table.rowOffset(row) + 2]).isEqualTo(3.5f);
        assertThat(page[table.rowOffset(row) + 4]).isEqualTo(-3.5f);
        for (int i = 0; i < rows; i += 997) {
            int r = table.row(i % 2, i);
            assertThat(table.rowPage(r)[table.rowOffset(r) + 3]).isEqualTo(7f);
            assertThat(table.rowPage(r)[table.rowOffset(r) + 4]).isEqualTo(-0.5f * i);
        }
        // what is visited and exported is the rows: dim values each
        long[] visited = new long[1];
        table.forEach((field, id, values, offset) -> {
            if (id != 7) {
                assertThat(values[offset]).isEqualTo(id);
                assertThat(values[offset + 1]).isEqualTo(-id);
            }
            visited[0]++;
        });
        assertThat(visited[0]).isEqualTo(rows);
        // a removed row's number is reused, with the floats it held: its new owner sets them
        int freed = table.removeRow(0, 10);
        assertThat(table.putRow(0, -1, new float[]{1f, 2f})).isEqualTo(freed);
        assertThat(table.rowPage(freed)[table.rowOffset(freed) + 2]).isEqualTo(5f);
        assertThatThrownBy(() -> new InMemorySparseTable(1, 2, 10, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("extra=-1");
    }
}

package io.wnd.trainer;

import io.wnd.state.table.FloatPages;
import io.wnd.state.table.InMemorySparseTable;
import io.wnd.state.version.SparseDelta;
import io.wnd.state.version.Table;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class ChangedRowsTest {

    @Test
    void aDrainHoldsEveryChangedRowOnceAndDeletesOnlyKeysWithoutARow() {
        InMemorySparseTable table = new InMemorySparseTable(2, 1, 1000);
        ChangedRows changes = new ChangedRows();
        int a = table.putRow(0, 10, new float[] {1});
        int b = table.putRow(1, 10, new float[] {2});
        changes.keyed(a, 0, 10);
        changes.keyed(b, 1, 10);
        assertThat(drain(changes, table)).as("rows found at start are not changes").isEmpty();

        table.writeRow(a, new float[] {3});
        changes.changed(a);
        changes.changed(a);
        changes.removed(table.removeRow(1, 10), 1, 10);
        // the removed key's row is reused by a new key
        int c = table.putRow(0, 77, new float[] {4});
        assertThat(c).isEqualTo(b);
        changes.added(c, 0, 77);
        assertThat(drain(changes, table)).containsExactlyInAnyOrderEntriesOf(
                Map.of("0:10", 3f, "0:77", 4f, "1:10", Float.NaN));
        assertThat(drain(changes, table)).as("a drain forgets what it drained").isEmpty();

        // removed and added again before the drain: one put, no deletion
        changes.removed(table.removeRow(0, 10), 0, 10);
        changes.added(table.putRow(0, 10, new float[] {5}), 0, 10);
        assertThat(drain(changes, table)).containsExactlyInAnyOrderEntriesOf(Map.of("0:10", 5f));
    }

    @Test
    void randomEditsDrainToTheTablesDifference() {
        SplittableRandom random = new SplittableRandom(7);
        InMemorySparseTable table = new InMemorySparseTable(3, 1, 100_000);
        ChangedRows changes = new ChangedRows();
        Map<String, Float> published = new HashMap<>();
        // up to 60,000 keys: rows in several pages of the table and of the changes' keys
        for (int round = 0; round < 20; round++) {
            for (int i = 0; i < 5_000; i++) {
                int field = random.nextInt(3);
                long id = random.nextLong(20_000);
                if (random.nextInt(4) == 0) {
                    int row = table.removeRow(field, id);
                    if (row >= 0) {
                        changes.removed(row, field, id);
                    }
                } else {
                    boolean existed = table.row(field, id) >= 0;
                    int row = table.putRow(field, id, new float[] {random.nextInt(1000)});
                    if (existed) {
                        changes.changed(row);
                    } else {
                        changes.added(row, field, id);
                    }
                }
            }
            drain(changes, table).forEach((key, value) -> {
                if (Float.isNaN(value)) {
                    published.remove(key);
                } else {
                    published.put(key, value);
                }
            });
            Map<String, Float> current = new HashMap<>();
            table.forEach((field, id, values, offset) -> current.put(field + ":" + id, values[offset]));
            assertThat(published).as("round %d", round).isEqualTo(current);
        }
        assertThat(table.rowBound()).isGreaterThan(2 * FloatPages.PAGE_ROWS);
    }

    /** The drained delta as key -> value, NaN for a deletion; fails on a key drained twice. */
    private static Map<String, Float> drain(ChangedRows changes, InMemorySparseTable table) {
        SparseDelta delta = new SparseDelta(Table.WIDE, 1);
        changes.drainInto(table, new float[1], delta);
        Map<String, Float> out = new HashMap<>();
        for (int i = 0; i < delta.size(); i++) {
            String key = delta.field(i) + ":" + delta.id(i);
            float value = delta.deleted(i) ? Float.NaN : delta.values()[i];
            assertThat(out.put(key, value)).as("drained twice: %s", key).isNull();
        }
        return out;
    }
}

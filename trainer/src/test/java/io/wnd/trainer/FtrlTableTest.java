package io.wnd.trainer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FtrlTableTest {

    @Test
    void holdsWhatWasPutAcrossGrowthAndFields() {
        SplittableRandom random = new SplittableRandom(5);
        FtrlTable table = new FtrlTable(3, Long.MAX_VALUE);
        Map<String, float[]> model = new HashMap<>();
        for (int i = 0; i < 100_000; i++) {
            int field = random.nextInt(3);
            // small ids (bucket indices), negative ones and full-range hashes
            long id = random.nextInt(3) == 0 ? random.nextLong() : random.nextLong(-5_000, 5_000);
            float z = (float) random.nextGaussian();
            float n = (float) random.nextDouble(0, 10);
            String key = field + ":" + id;
            int slot = table.find(field, id);
            assertThat(slot >= 0).as("found %s", key).isEqualTo(model.containsKey(key));
            if (slot >= 0 && random.nextBoolean()) {
                assertThat(table.z(field, slot)).isEqualTo(model.get(key)[0]);
                assertThat(table.n(field, slot)).isEqualTo(model.get(key)[1]);
                table.write(field, slot, z, n);
            } else {
                assertThat(table.put(field, id, z, n)).isTrue();
            }
            model.put(key, new float[] {z, n});
        }
        assertThat(table.size()).isEqualTo(model.size());
        model.forEach((key, state) -> {
            int field = Integer.parseInt(key.substring(0, key.indexOf(':')));
            long id = Long.parseLong(key.substring(key.indexOf(':') + 1));
            int slot = table.find(field, id);
            assertThat(table.z(field, slot)).isEqualTo(state[0]);
            assertThat(table.n(field, slot)).isEqualTo(state[1]);
        });
    }

    @Test
    void theUntouchedStateIsNotStoredAndAFullTableRefusesNewCoordinates() {
        FtrlTable table = new FtrlTable(1, 2);
        assertThat(table.put(0, 7, 0f, 0f)).as("(+0, +0) is the same as no state").isTrue();
        assertThat(table.find(0, 7)).isNegative();
        assertThat(table.size()).isZero();
        assertThat(table.put(0, 7, -0f, 0f)).isTrue();
        assertThat(table.find(0, 7)).as("-0 is a state").isNotNegative();
        assertThat(table.put(0, 8, 1f, 1f)).isTrue();
        assertThat(table.put(0, 9, 1f, 1f)).as("full").isFalse();
        assertThat(table.find(0, 9)).isNegative();
        assertThat(table.put(0, 8, 2f, 3f)).as("an update of a held coordinate").isTrue();
        assertThat(table.z(0, table.find(0, 8))).isEqualTo(2f);
        assertThatThrownBy(() -> table.put(0, 8, 0f, 0f)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aSweepRemovesWhatWasNotTouchedSinceThePreviousOneAndKeepsTheStateOfTheRest() {
        FtrlTable table = new FtrlTable(2, 100);
        table.put(0, 1, 1.5f, 2f);
        table.put(1, 1, -0.5f, 3f);
        table.put(1, 2, 0.25f, 0f);
        List<String> removed = new ArrayList<>();

        assertThat(table.sweep((f, id) -> removed.add(f + ":" + id))).as("all touched since added").isZero();
        table.write(0, table.find(0, 1), 2.5f, 4f);
        table.put(1, 2, 0.75f, 1f);
        assertThat(table.sweep((f, id) -> removed.add(f + ":" + id))).isEqualTo(1);

        assertThat(removed).containsExactly("1:1");
        assertThat(table.size()).isEqualTo(2);
        assertThat(table.find(1, 1)).isNegative();
        int a = table.find(0, 1);
        assertThat(table.z(0, a)).isEqualTo(2.5f);
        assertThat(table.n(0, a)).as("the touched bit is not part of n").isEqualTo(4f);
        int b = table.find(1, 2);
        assertThat(table.z(1, b)).isEqualTo(0.75f);
        assertThat(table.n(1, b)).isEqualTo(1f);
        assertThat(table.sweep((f, id) -> removed.add(f + ":" + id))).isEqualTo(2);
        assertThat(table.size()).isZero();
    }
}

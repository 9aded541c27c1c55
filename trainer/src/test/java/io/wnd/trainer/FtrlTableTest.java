package io.wnd.trainer;

import io.wnd.state.spec.FtrlSettings;
import io.wnd.state.table.LongIndex;
import io.wnd.state.table.SharedKeyIndex;
import io.wnd.state.version.SparseDelta;
import io.wnd.state.version.Table;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FtrlTableTest {

    /** The criteo spec's FTRL settings. */
    private static final FtrlSettings SETTINGS = new FtrlSettings(0.05, 1.0, 0.3, 1.0);

    @Test
    void holdsWhatWasAddedAndUpdatedAcrossGrowthAndFields() {
        SplittableRandom random = new SplittableRandom(5);
        FtrlTable table = new FtrlTable(3, Long.MAX_VALUE, SETTINGS);
        Map<String, float[]> model = new HashMap<>();
        for (int i = 0; i < 100_000; i++) {
            int field = random.nextInt(3);
            // small ids (bucket indices), negative ones and full-range hashes
            long id = random.nextInt(3) == 0 ? random.nextLong() : random.nextLong(-5_000, 5_000);
            float z = (float) random.nextGaussian();
            float n = FtrlTable.storable((float) random.nextDouble(0, 10));
            String key = field + ":" + id;
            int slot = table.find(field, id);
            assertThat(slot >= 0).as("found %s", key).isEqualTo(model.containsKey(key));
            if (slot >= 0) {
                float[] before = model.get(key);
                assertThat(table.z(field, slot)).isEqualTo(before[0]);
                assertThat(table.n(field, slot)).isEqualTo(before[1]);
                table.update(field, slot, z, n, table.weight(before[0], before[1]), table.weight(z, n));
            } else {
                assertThat(table.add(field, id, z, n, table.weight(z, n))).isTrue();
            }
            model.put(key, new float[] {z, n});
        }
        assertThat(table.size()).isEqualTo(model.size());
        long nonZero = model.values().stream().filter(s -> table.weight(s[0], s[1]) != 0f).count();
        assertThat(nonZero).as("the test must have zero and non-zero weights").isBetween(1L, model.size() - 1L);
        assertThat(table.weights().size()).isEqualTo(nonZero);
        model.forEach((key, state) -> {
            int field = Integer.parseInt(key.substring(0, key.indexOf(':')));
            long id = Long.parseLong(key.substring(key.indexOf(':') + 1));
            int slot = table.find(field, id);
            assertThat(table.z(field, slot)).isEqualTo(state[0]);
            assertThat(table.n(field, slot)).isEqualTo(state[1]);
            float w = table.weight(state[0], state[1]);
            assertThat(table.weights().get(field, id)).isEqualTo(w == 0f ? null : new float[] {w});
        });
    }

    @Test
    void storesNRoundedTowardsZeroTo21BitsOfMantissa() {
        float n = 1.2345678f;
        float stored = FtrlTable.storable(n);
        assertThat(stored).isLessThanOrEqualTo(n);
        assertThat((n - stored) / n).isLessThan(2.4e-7f);
        assertThat(FtrlTable.storable(stored)).isEqualTo(stored);
        assertThat(FtrlTable.storable(0f)).isEqualTo(0f);
    }

    @Test
    void theUntouchedStateIsNotStoredAndAFullTableRefusesNewCoordinates() {
        FtrlTable table = new FtrlTable(1, 2, SETTINGS);
        assertThat(table.add(0, 7, 0f, 0f, 0f)).as("(+0, +0) is the same as no state").isTrue();
        assertThat(table.find(0, 7)).isNegative();
        assertThat(table.size()).isZero();
        assertThat(table.add(0, 7, -0f, 0f, 0f)).isTrue();
        assertThat(table.find(0, 7)).as("-0 is a state").isNotNegative();
        assertThat(table.add(0, 8, 1f, 1f, table.weight(1f, 1f))).isTrue();
        assertThat(table.full()).isTrue();
        assertThat(table.add(0, 9, 1f, 1f, table.weight(1f, 1f))).as("full").isFalse();
        assertThat(table.find(0, 9)).isNegative();
        assertThat(table.adopt(0, 9, 1f, 0f)).as("full").isFalse();
        assertThat(table.weights().size()).isEqualTo(1);
    }

    @Test
    void aSweepRemovesWhatWasNotTouchedSinceThePreviousOneAndKeepsTheStateOfTheRest() {
        FtrlTable table = new FtrlTable(2, 100, SETTINGS);
        table.add(0, 1, 1.5f, 2f, table.weight(1.5f, 2f));
        table.add(1, 1, -0.5f, 3f, table.weight(-0.5f, 3f));
        table.add(1, 2, 0.25f, 0f, 0f);

        assertThat(table.sweep()).as("all touched since added").isZero();
        table.update(0, table.find(0, 1), 2.5f, 4f, table.weight(1.5f, 2f), table.weight(2.5f, 4f));
        table.update(1, table.find(1, 2), 0.75f, 1f, 0f, table.weight(0.75f, 1f));
        assertThat(table.sweep()).isEqualTo(1);

        assertThat(table.size()).isEqualTo(2);
        assertThat(table.find(1, 1)).isNegative();
        assertThat(table.weights().size()).as("the removed coordinate's weight is gone").isEqualTo(2);
        int a = table.find(0, 1);
        assertThat(table.z(0, a)).isEqualTo(2.5f);
        assertThat(table.n(0, a)).as("the touched bit is not part of n").isEqualTo(4f);
        int b = table.find(1, 2);
        assertThat(table.z(1, b)).isEqualTo(0.75f);
        assertThat(table.n(1, b)).isEqualTo(1f);
        assertThat(table.sweep()).isEqualTo(2);
        assertThat(table.size()).isZero();
        assertThat(table.weights().size()).isZero();
    }

    @Test
    void itsDrainsPublishExactlyTheWeightsThatChangedAndNothingElse() {
        // adds, updates (weights that appear, change, return to 0, or stay), adoptions, sweeps and growth; after each
        // drain, a copy that applied the drains (as a scorer does) equals the view; a deletion always names a
        // published weight, and a delta never names a key twice
        SplittableRandom random = new SplittableRandom(11);
        FtrlTable table = new FtrlTable(2, 3_000, SETTINGS);
        Map<String, Float> served = new HashMap<>();
        SparseDelta delta = new SparseDelta(Table.WIDE, 1);
        int deletions = 0;
        int adopted = 0;
        for (int round = 0; round < 60; round++) {
            for (int i = 0; i < 400; i++) {
                int field = random.nextInt(2);
                long id = random.nextLong(4_000);
                int slot = table.find(field, id);
                float z = (float) (random.nextGaussian() * 0.5);
                float n = FtrlTable.storable((float) random.nextDouble(0, 4));
                if (slot >= 0) {
                    float before = table.weight(table.z(field, slot), table.n(field, slot));
                    if (random.nextInt(4) == 0) {
                        // a state whose weight stays what it was
                        z = table.z(field, slot);
                        n = table.n(field, slot);
                    }
                    table.update(field, slot, z, n, before, table.weight(z, n));
                } else if (round < 3 && random.nextInt(3) == 0) {
                    // a published model's weight; for some, the state adopted has weight 0 (a published weight
                    // too small for FTRL's state to keep)
                    float adoptedZ = random.nextBoolean() ? 0.29f : (float) (Math.signum(z) * 0.3 + z);
                    float w = table.weight(adoptedZ, 0f);
                    if (table.adopt(field, id, adoptedZ, 0f)) {
                        served.put(field + ":" + id, w == 0f ? 1e-9f : w);
                        adopted++;
                    }
                } else {
                    table.add(field, id, z, n, table.weight(z, n));
                }
            }
            if (round % 10 == 9) {
                table.sweep();
            }
            if (round % 3 == 2) {
                delta.clear();
                table.drainInto(delta);
                Set<String> named = new HashSet<>();
                for (int d = 0; d < delta.size(); d++) {
                    String key = delta.field(d) + ":" + delta.id(d);
                    assertThat(named.add(key)).as("named once: %s", key).isTrue();
                    if (delta.deleted(d)) {
                        assertThat(served).as("a deletion of a published weight").containsKey(key);
                        served.remove(key);
                        deletions++;
                    } else {
                        served.put(key, delta.values()[d]);
                    }
                }
                Map<String, Float> view = new HashMap<>();
                table.weights().forEach((f, id, values, offset) -> view.put(f + ":" + id, values[offset]));
                assertThat(served).as("after round %d", round).isEqualTo(view);
                assertThat(table.weights().size()).isEqualTo(view.size());
            }
        }
        assertThat(adopted).isPositive();
        assertThat(deletions).as("weights returned to 0 or were swept, and were deleted").isPositive();
        delta.clear();
        table.drainInto(delta);
        assertThat(delta.size()).as("nothing changed since the last drain").isZero();
    }

    @Test
    void aWeightThatChangedIsPublishedAfterASweepMovedItsCoordinateToAnotherSlot() {
        // 40 coordinates: an index of 128 slots. A and B both hash to slot 63; B, added after A, sits in slot 64.
        // B's weight changes (slot 64 is listed as dirty), then a sweep removes A, and B moves back into slot 63
        FtrlTable table = new FtrlTable(1, 100, SETTINGS);
        List<Long> atHome63 = new ArrayList<>();
        List<Long> others = new ArrayList<>();
        for (long id = 0; atHome63.size() < 2 || others.size() < 38; id++) {
            int home = io.wnd.state.table.LongLongIndex.hash(id) & 127;
            if (home == 63 && atHome63.size() < 2) {
                atHome63.add(id);
            } else if ((home < 56 || home > 72) && others.size() < 38) {
                others.add(id);
            }
        }
        long a = atHome63.get(0);
        long b = atHome63.get(1);
        for (long id : others) {
            table.add(0, id, 1f, 1f, table.weight(1f, 1f));
        }
        // after the others: the index has grown to 128 slots (a growth re-inserts in slot order)
        table.add(0, a, 1f, 1f, table.weight(1f, 1f));
        table.add(0, b, 1f, 1f, table.weight(1f, 1f));
        assertThat(table.find(0, b)).isEqualTo(64);
        table.drainInto(new SparseDelta(Table.WIDE, 1));
        table.sweep();
        for (long id : others) {
            table.update(0, table.find(0, id), 1f, 1f, table.weight(1f, 1f), table.weight(1f, 1f));
        }
        table.update(0, table.find(0, b), 2f, 1f, table.weight(1f, 1f), table.weight(2f, 1f));

        assertThat(table.sweep()).as("A, untouched since the first sweep").isEqualTo(1);
        assertThat(table.find(0, b)).isEqualTo(63);
        SparseDelta delta = new SparseDelta(Table.WIDE, 1);
        table.drainInto(delta);

        assertThat(delta.size()).isEqualTo(2);
        Map<Long, Boolean> deleted = new HashMap<>();
        for (int d = 0; d < delta.size(); d++) {
            deleted.put(delta.id(d), delta.deleted(d));
        }
        assertThat(deleted).containsEntry(a, true).containsEntry(b, false);
    }

    @Test
    void aWeightThatChangedIsPublishedAfterTheIndexGrewAndMovedItsCoordinate() {
        FtrlTable table = new FtrlTable(1, 10_000, SETTINGS);
        for (long id = 0; id < 100; id++) {
            table.add(0, id, 1f, 1f, table.weight(1f, 1f));
        }
        table.drainInto(new SparseDelta(Table.WIDE, 1));
        for (long id = 0; id < 5; id++) {
            table.update(0, table.find(0, id), 2f, 1f, table.weight(1f, 1f), table.weight(2f, 1f));
        }
        // coordinates whose weight is 0 (|z| <= l1): nothing to publish, but the index grows (256 slots to 512)
        for (long id = 100; id < 140; id++) {
            table.add(0, id, 0.1f, 1f, 0f);
        }
        SparseDelta delta = new SparseDelta(Table.WIDE, 1);
        table.drainInto(delta);

        Map<Long, Float> published = new HashMap<>();
        for (int d = 0; d < delta.size(); d++) {
            published.put(delta.id(d), delta.values()[d]);
        }
        assertThat(published).hasSize(5);
        for (long id = 0; id < 5; id++) {
            assertThat(published).containsEntry(id, table.weight(2f, 1f));
        }
    }

    @Test
    void aWeightThatChangedIsPublishedAfterTheOtherTableOfASharedIndexMovedItsCoordinate() {
        // field 0 shares its index with another table (the trainer's embedding entries); field 1 has its own
        SharedKeyIndex shared = new SharedKeyIndex();
        LongIndex other = shared.column(1);
        FtrlTable table = new FtrlTable(2, 10_000, SETTINGS, shared.column(0));
        for (long id = 0; id < 100; id++) {
            table.add(0, id, 1f, 1f, table.weight(1f, 1f));
            table.add(1, id, 1f, 1f, table.weight(1f, 1f));
            other.put(id, -1 - id);
        }
        table.drainInto(new SparseDelta(Table.WIDE, 1));
        for (long id = 0; id < 5; id++) {
            table.update(0, table.find(0, id), 2f, 1f, table.weight(1f, 1f), table.weight(2f, 1f));
        }
        // the other table's keys: the index grows (its own entries move), then some leave, shifting entries back
        for (long id = 1_000; id < 1_300; id++) {
            other.put(id, 5);
        }
        for (long id = 1_000; id < 1_300; id += 2) {
            other.remove(id);
        }
        // and a value of the other table removed where this table has state: the coordinate stays
        other.remove(3);
        assertThat(table.find(0, 3)).isNotNegative();
        SparseDelta delta = new SparseDelta(Table.WIDE, 1);
        table.drainInto(delta);

        Map<String, Float> published = new HashMap<>();
        for (int d = 0; d < delta.size(); d++) {
            published.put(delta.field(d) + ":" + delta.id(d), delta.values()[d]);
        }
        assertThat(published).hasSize(5);
        for (long id = 0; id < 5; id++) {
            assertThat(published).containsEntry("0:" + id, table.weight(2f, 1f));
        }
        assertThat(table.size()).isEqualTo(200);
        assertThat(shared.column(0).size()).isEqualTo(100);
        assertThat(table.sweep()).as("the first sweep clears the touched bits").isZero();
        assertThat(table.sweep()).as("the second removes every coordinate not touched since").isEqualTo(200);
        assertThat(shared.column(0).size()).isZero();
        assertThat(other.get(10)).as("the other table's values stay").isEqualTo(-11);
        assertThat(other.get(3)).isZero();
        assertThatThrownBy(() -> new FtrlTable(1, 10, SETTINGS, shared.column(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not empty");
    }

    @Test
    void itsWeightsCannotBeWrittenDirectly() {
        FtrlTable table = new FtrlTable(1, 10, SETTINGS);
        assertThatThrownBy(() -> table.weights().put(0, 1, new float[] {1f}))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("train");
        assertThatThrownBy(() -> table.weights().remove(0, 1))
                .isInstanceOf(UnsupportedOperationException.class);
    }
}

package io.wnd.state.version;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SparseDeltaTest {

    @Test
    void keepsItsRowsAcrossReservationsAndGrowth() {
        SparseDelta delta = new SparseDelta(Table.EMBEDDING, 2);
        delta.put(0, 5, new float[] {1, 2}, 0);
        delta.reserve(100);
        assertThat(delta.values().length).as("room for the reserved rows at once").isGreaterThanOrEqualTo(101 * 2);
        for (int i = 0; i < 300; i++) {
            if (i % 3 == 0) {
                delta.delete(1, i);
            } else {
                delta.put(1, i, new float[] {9, i, 7}, 1);
            }
        }
        assertThat(delta.size()).isEqualTo(301);
        assertThat(delta.id(0)).isEqualTo(5);
        assertThat(delta.values()[0]).isEqualTo(1f);
        assertThat(delta.values()[1]).isEqualTo(2f);
        for (int i = 0; i < 300; i++) {
            int at = i + 1;
            assertThat(delta.field(at)).isEqualTo(1);
            assertThat(delta.id(at)).isEqualTo(i);
            assertThat(delta.deleted(at)).isEqualTo(i % 3 == 0);
            float first = delta.values()[at * 2];
            float second = delta.values()[at * 2 + 1];
            if (i % 3 == 0) {
                assertThat(first).isZero();
                assertThat(second).isZero();
            } else {
                assertThat(first).isEqualTo(i);
                assertThat(second).isEqualTo(7f);
            }
        }
    }

    @Test
    void clearedKeepsItsArraysAndHoldsOnlyTheRowsAddedAfter() {
        SparseDelta delta = new SparseDelta(Table.EMBEDDING, 2);
        delta.reserve(1000);
        for (int i = 0; i < 1000; i++) {
            delta.put(0, i, new float[] {i, -i}, 0);
        }
        float[] values = delta.values();
        delta.clear();
        assertThat(delta.size()).isZero();
        delta.delete(3, 42);
        delta.put(4, 43, new float[] {5, 6}, 0);
        assertThat(delta.values()).as("no new array").isSameAs(values);
        assertThat(delta.size()).isEqualTo(2);
        assertThat(delta.deleted(0)).isTrue();
        assertThat(delta.field(0)).isEqualTo(3);
        assertThat(delta.id(0)).isEqualTo(42);
        assertThat(values[0]).as("a deletion's values are zeros, not the old row's").isZero();
        assertThat(values[1]).isZero();
        assertThat(delta.deleted(1)).isFalse();
        assertThat(delta.id(1)).isEqualTo(43);
        assertThat(values[2]).isEqualTo(5f);
        assertThat(values[3]).isEqualTo(6f);
    }

    @Test
    void refusesANegativeReservation() {
        assertThatThrownBy(() -> new SparseDelta(Table.WIDE, 1).reserve(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    }
}

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
    void refusesANegativeReservation() {
        assertThatThrownBy(() -> new SparseDelta(Table.WIDE, 1).reserve(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    }
}

package io.wnd.state.table;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FloatPagesTest {

    @Test
    void rowsKeepTheirValuesWhileThePagesGrow() {
        FloatPages pages = new FloatPages(3);
        int rows = 3 * FloatPages.PAGE_ROWS + 17;
        for (int row = 0; row < rows; row++) {
            pages.ensure(row);
            float[] page = pages.page(row);
            int at = pages.offset(row);
            for (int d = 0; d < 3; d++) {
                page[at + d] = row * 3 + d;
            }
        }
        for (int row = 0; row < rows; row++) {
            float[] page = pages.page(row);
            int at = pages.offset(row);
            for (int d = 0; d < 3; d++) {
                assertThat(page[at + d]).as("row %d, value %d", row, d).isEqualTo(row * 3 + d);
            }
        }
        // rows of different pages are in different arrays, each at its own offset
        assertThat(pages.page(FloatPages.PAGE_ROWS)).isNotSameAs(pages.page(0));
        assertThat(pages.offset(FloatPages.PAGE_ROWS + 2)).isEqualTo(6);
    }

    @Test
    void aSmallTableStaysSmallAndGrowingDoesNotMoveLaterPages() {
        FloatPages pages = new FloatPages(8);
        pages.ensure(0);
        assertThat(pages.page(0).length).as("the first page starts small").isLessThan(FloatPages.PAGE_ROWS * 8);
        pages.ensure(FloatPages.PAGE_ROWS + 5);
        float[] second = pages.page(FloatPages.PAGE_ROWS);
        assertThat(pages.page(0).length).as("pages below a new one are full").isEqualTo(FloatPages.PAGE_ROWS * 8);
        second[pages.offset(FloatPages.PAGE_ROWS + 5)] = 42f;
        pages.ensure(10 * FloatPages.PAGE_ROWS);
        assertThat(pages.page(FloatPages.PAGE_ROWS)).as("growing adds pages, it copies none").isSameAs(second);
        assertThat(pages.page(FloatPages.PAGE_ROWS + 5)[pages.offset(FloatPages.PAGE_ROWS + 5)]).isEqualTo(42f);
        assertThat(pages.page(9 * FloatPages.PAGE_ROWS)).as("pages skipped over are there too").isNotNull();
    }

    @Test
    void refusesAStrideItCannotAddress() {
        assertThatThrownBy(() -> new FloatPages(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stride");
        assertThatThrownBy(() -> new FloatPages(Integer.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class);
    }
}

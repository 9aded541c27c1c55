package io.wnd.state.table;

import java.util.Arrays;

/**
 * Numbered rows of {@code stride} floats, kept in pages of {@value #PAGE_ROWS} rows, so that growing never copies
 * what is there: a new page is added instead. One flat array that doubles would copy all of it at each doubling (a
 * table of 8 million rows of 8 floats would copy 256 MB, and allocate 512 MB, in the middle of a training step or
 * a lookup); here a row's address costs one more load, of a page reference that stays in the CPU's caches.
 *
 * <p>The first page starts small and doubles until it is full, so that small tables stay small. Rows never added are
 * not allocated; pages are never freed.
 *
 * <p>A row is at {@code page(row)[offset(row)]} to {@code page(row)[offset(row) + stride - 1]}.
 */
public final class FloatPages {

    /** Rows per page, as a shift. */
    public static final int PAGE_SHIFT = 14;
    /** Rows per page. */
    public static final int PAGE_ROWS = 1 << PAGE_SHIFT;
    private static final int PAGE_MASK = PAGE_ROWS - 1;

    private final int stride;
    private float[][] pages = new float[1][];

    /**
     * Creates empty pages.
     *
     * @param stride floats per row (&ge; 1, at most {@code Integer.MAX_VALUE / PAGE_ROWS})
     */
    public FloatPages(int stride) {
        if (stride < 1 || stride > Integer.MAX_VALUE / PAGE_ROWS) {
            throw new IllegalArgumentException("stride must be in [1, " + Integer.MAX_VALUE / PAGE_ROWS + "], got "
                    + stride);
        }
        this.stride = stride;
    }

    /**
     * Floats per row.
     *
     * @return the stride
     */
    public int stride() {
        return stride;
    }

    /**
     * Makes a row addressable (rows added later start as zeros); rows below it that were not yet are too.
     *
     * @param row the row number (&ge; 0)
     */
    public void ensure(int row) {
        int p = row >>> PAGE_SHIFT;
        if (p >= pages.length) {
            pages = Arrays.copyOf(pages, Math.max(p + 1, 2 * pages.length));
        }
        int needed = ((row & PAGE_MASK) + 1) * stride;
        float[] page = pages[p];
        if (page != null && page.length >= needed) {
            return;
        }
        for (int q = 0; q < p; q++) {
            if (pages[q] == null || pages[q].length < PAGE_ROWS * stride) {
                pages[q] = grown(pages[q], PAGE_ROWS * stride);
            }
        }
        int size = p == 0 ? Math.min(PAGE_ROWS * stride, Math.max(needed, 2 * (page == null ? 8 * stride : page.length)))
                : PAGE_ROWS * stride;
        pages[p] = grown(page, size);
    }

    private static float[] grown(float[] page, int size) {
        return page == null ? new float[size] : Arrays.copyOf(page, size);
    }

    /**
     * The page that holds a row (the row must have been made addressable by {@link #ensure}).
     *
     * @param row the row number
     * @return its page
     */
    public float[] page(int row) {
        return pages[row >>> PAGE_SHIFT];
    }

    /**
     * Where a row starts in its {@link #page}.
     *
     * @param row the row number
     * @return the offset of its first float
     */
    public int offset(int row) {
        return (row & PAGE_MASK) * stride;
    }
}

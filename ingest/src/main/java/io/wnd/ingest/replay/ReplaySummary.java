package io.wnd.ingest.replay;

/**
 * What a replay did; the {@code --json} summary.
 *
 * @param rows input rows replayed (this run)
 * @param impressions impressions produced and acknowledged
 * @param clicks clicks produced and acknowledged
 * @param rejected input lines rejected
 * @param seconds wall time
 * @param rowsPerSecond rows / seconds
 * @param completed whether the input was replayed to its end (or limit); false when stopped early
 * @param nextRow rows consumed from the input so far, skip included (where --resume continues)
 */
public record ReplaySummary(long rows, long impressions, long clicks, long rejected, double seconds,
    double rowsPerSecond, boolean completed, long nextRow) {}

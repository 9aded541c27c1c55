package io.wnd.ingest.replay;

import java.nio.file.Path;

/**
 * How a replay runs.
 *
 * @param rate wall-clock pace in rows per second; 0 means as fast as possible
 * @param eventRate rows per second of event time: row k of the replay happens at start + k / eventRate
 * @param startTimeMillis event time of the first row, ms since the epoch; {@link #START_NOW} for the wall clock
 *     at the moment the replay starts producing, so that (paced) event time tracks the wall clock
 * @param skip rows to skip at the start of the input
 * @param limit most rows to replay; negative for all
 * @param durationMillis stop after this much wall time; negative for no limit
 * @param clickDelay the click delay distribution
 * @param seed seed of the click delays
 * @param checkpoint the checkpoint file, or null for none
 * @param resume continue after the last acknowledged row recorded in the checkpoint
 */
public record ReplayOptions(double rate, double eventRate, long startTimeMillis, long skip, long limit,
    long durationMillis, ClickDelay clickDelay, long seed, Path checkpoint, boolean resume) {
  /** Rows per second of event time when nothing says otherwise: about the rate of a Criteo day (45 M rows). */
  public static final double NATURAL_EVENT_RATE = 500;

  /**
   * A start time meaning "when the first row is produced": with a paced replay whose event rate equals its rate,
   * every row's event time is the wall-clock time it is produced at (what live traffic looks like).
   */
  public static final long START_NOW = Long.MIN_VALUE;

  /**
   * The event rate a replay uses: the one asked for, else the wall-clock rate when paced, else the natural one.
   *
   * @param eventRate {@code --event-rate}, or null
   * @param rate {@code --rate} (0 = as fast as possible)
   * @return rows per second of event time
   */
  public static double eventRate(Double eventRate, double rate) {
    return eventRate != null ? eventRate : rate > 0 ? rate : NATURAL_EVENT_RATE;
  }

  /** Validates. */
  public ReplayOptions {
    if (rate < 0 || Double.isNaN(rate)) {
      throw new IllegalArgumentException("--rate must be >= 0 (0 = as fast as possible), got " + rate);
    }
    if (!(eventRate > 0)) {
      throw new IllegalArgumentException("--event-rate must be > 0, got " + eventRate);
    }
    if (skip < 0) {
      throw new IllegalArgumentException("--skip must be >= 0, got " + skip);
    }
    if (resume && checkpoint == null) {
      throw new IllegalArgumentException("--resume needs a checkpoint file");
    }
    if (resume && startTimeMillis == START_NOW) {
      throw new IllegalArgumentException("--resume needs a fixed start time, not 'now'");
    }
  }
}

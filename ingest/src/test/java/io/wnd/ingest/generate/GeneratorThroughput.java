package io.wnd.ingest.generate;

import io.wnd.ingest.Row;
import io.wnd.state.metrics.StreamMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A quick measurement of generator speed, rows per second on one thread, and of the ground truth's
 * quality: {@code java -cp ... io.wnd.ingest.generate.GeneratorThroughput [seed] [rows]}. Speed is
 * measured here, never asserted in a unit test.
 */
public final class GeneratorThroughput {
  private static final Logger LOG = LoggerFactory.getLogger(GeneratorThroughput.class);

  private GeneratorThroughput() {}

  /**
   * Runs a warm-up and then a timed pass.
   *
   * @param args optional seed (default 1) and number of timed rows (default 2,000,000)
   */
  public static void main(String[] args) {
    long seed = args.length > 0 ? Long.parseLong(args[0]) : 1L;
    long rows = args.length > 1 ? Long.parseLong(args[1]) : 2_000_000L;
    drain(new CriteoGenerator(seed + 1, rows / 4));

    CriteoGenerator generator = new CriteoGenerator(seed, rows);
    long start = System.nanoTime();
    long checksum = drain(generator);
    double seconds = (System.nanoTime() - start) / 1e9;
    LOG.info("{} rows in {} s: {} rows/s (checksum {})",
        rows, String.format("%.2f", seconds), String.format("%.0f", rows / seconds), checksum);

    CriteoGenerator first = new CriteoGenerator(seed, 100_000);
    drain(first);
    StreamMetrics.Snapshot truth = first.groundTruthMetrics();
    LOG.info("seed {}, first 100,000 rows: ground-truth AUC {}, log loss {}, click rate {}, calibration {}",
        seed, truth.auc(), truth.logLoss(), truth.observedRate(), truth.calibration());
  }

  private static long drain(CriteoGenerator generator) {
    long checksum = 0;
    for (Row row = generator.next(); row != null; row = generator.next()) {
      // touched so the JIT cannot drop the record's construction
      Object c3 = row.features().get(15);
      checksum += row.label() + (c3 == null ? 0 : c3.hashCode() & 7);
    }
    return checksum;
  }
}

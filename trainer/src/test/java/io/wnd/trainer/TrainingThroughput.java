package io.wnd.trainer;

import io.wnd.state.spec.FeatureSpec;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Benchmark, not a test (STYLE 16): training examples/s on one thread for the default and large Criteo specs
 * with ids drawn uniformly from 1,000 and from 1,000,000 distinct values per field. Run with
 * {@code OMP_NUM_THREADS=1}; prints one line per configuration.
 *
 * <p>Arguments (optional): warm-up batches, measured batches.
 */
public final class TrainingThroughput {

    private TrainingThroughput() {
    }

    /**
     * Runs the benchmark.
     *
     * @param args optional warm-up and measured batch counts
     */
    public static void main(String[] args) {
        int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int measured = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        for (String name : List.of("criteo", "criteo-large")) {
            for (long ids : new long[] {1_000, 1_000_000}) {
                run(FeatureSpec.builtin(name), ids, name.equals("criteo") ? warmup : warmup / 4,
                        name.equals("criteo") ? measured : measured / 3);
            }
        }
    }

    private static void run(FeatureSpec spec, long ids, int warmup, int measured) {
        Clock clock = Clock.fixed(Instant.parse("2024-01-01T00:00:00Z"), ZoneOffset.UTC);
        WideDeepTrainer trainer = new WideDeepTrainer(spec, clock);
        int b = spec.batchSize();
        // warm-up: JIT, and tables filled by real admissions (their size is printed with the figure)
        for (int i = 0; i < warmup; i++) {
            trainer.train(SyntheticExamples.uniform(spec, b, ids, i));
        }
        List<List<Example>> batches = new java.util.ArrayList<>();
        for (int i = 0; i < measured; i++) {
            batches.add(SyntheticExamples.uniform(spec, b, ids, 1_000_000 + i));
        }
        long start = System.nanoTime();
        for (List<Example> batch : batches) {
            trainer.train(batch);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        trainer.drainChanges();
        System.out.printf("%-13s %2d x %,10d ids: %,8.0f ex/s  (%d examples in %.2f s; embedding rows %,d, pending ids %,d,"
                        + " wide coordinates %,d)%n",
                spec.name(), spec.sparseCount(), ids, measured * b / seconds, measured * b, seconds,
                trainer.model().embeddings().size(), trainer.pendingIds(), trainer.wideCoordinates());
    }
}

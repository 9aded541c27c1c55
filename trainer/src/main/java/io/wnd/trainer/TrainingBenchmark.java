package io.wnd.trainer;

import io.wnd.state.encode.Encoded;
import io.wnd.state.spec.FeatureSpec;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Training examples/s on the calling thread (a benchmark, not a test: STYLE 16). Examples carry ids drawn uniformly
 * from {@code [0, idsPerField)} in every wide field (crosses included) and numerics uniform in [0, 5); labels are
 * Bernoulli(0.25). A warm-up first trains on {@code warmupExamples} (JIT, and tables filled by real admissions, so
 * that a large id range is measured with large tables); then {@code examples} more, generated before the clock
 * starts, are trained on and timed. As in {@code wnd train}, the rows changed are drained (what a version publishes)
 * every {@value #DRAIN_EVERY} examples, in both phases; the drains are part of the timed work. A full GC runs just
 * before the clock starts.
 */
public final class TrainingBenchmark {

    /** How often the changed rows are drained: {@code wnd train}'s default {@code --publish-every-examples}. */
    public static final long DRAIN_EVERY = 100_000;

    private TrainingBenchmark() {
    }

    /**
     * One measurement.
     *
     * @param spec              the spec's name
     * @param modelType         the model type
     * @param batchSize         the mini-batch size
     * @param idsPerField       the id range per field
     * @param warmupExamples    the examples trained on before timing
     * @param examples          the examples timed
     * @param seconds           the time they took
     * @param examplesPerSecond {@code examples / seconds}
     * @param embeddingRows     embedding rows at the end
     * @param wideCoordinates   wide coordinates with optimizer state at the end
     * @param pendingIds        ids seen but not admitted yet, at the end
     * @param refusedRows       new rows refused because a table was at its row limit, warm-up included
     */
    public record Result(String spec, String modelType, int batchSize, long idsPerField, long warmupExamples,
                         long examples, double seconds, double examplesPerSecond, long embeddingRows,
                         long wideCoordinates, long pendingIds, long refusedRows) {
    }

    /**
     * Runs one measurement on a new trainer.
     *
     * @param spec           the feature spec (batch size, model type, optimizers)
     * @param idsPerField    the id range of every field (&ge; 1)
     * @param warmupExamples examples trained on before timing (&ge; 0)
     * @param examples       examples timed (&ge; 1)
     * @param clock          the trainer's clock
     * @return the figures
     */
    public static Result run(FeatureSpec spec, long idsPerField, long warmupExamples, long examples, Clock clock) {
        if (idsPerField < 1 || warmupExamples < 0 || examples < 1) {
            throw new IllegalArgumentException("need idsPerField >= 1, warmupExamples >= 0, examples >= 1; got "
                    + idsPerField + ", " + warmupExamples + ", " + examples);
        }
        WideDeepTrainer trainer = new WideDeepTrainer(spec, clock);
        int b = spec.batchSize();
        SplittableRandom random = new SplittableRandom(spec.seed());
        long sinceDrain = 0;
        for (long done = 0; done < warmupExamples; done += b) {
            int n = (int) Math.min(b, warmupExamples - done);
            trainer.train(uniform(spec, n, idsPerField, random));
            sinceDrain += n;
            if (sinceDrain >= DRAIN_EVERY) {
                trainer.drainChanges();
                sinceDrain = 0;
            }
        }
        trainer.drainChanges();
        sinceDrain = 0;
        List<List<Example>> batches = new ArrayList<>();
        for (long done = 0; done < examples; done += b) {
            batches.add(uniform(spec, (int) Math.min(b, examples - done), idsPerField, random));
        }
        // the examples just generated are the bulk of the young generation: collect now, so that the timed phase does
        // not pay for copying them to the old one (as JMH collects between iterations)
        System.gc();
        long start = System.nanoTime();
        for (List<Example> batch : batches) {
            trainer.train(batch);
            sinceDrain += batch.size();
            if (sinceDrain >= DRAIN_EVERY) {
                trainer.drainChanges();
                sinceDrain = 0;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        trainer.drainChanges();
        return new Result(spec.name(), spec.modelType().jsonName(), b, idsPerField, warmupExamples, examples, seconds,
                examples / seconds, trainer.model().embeddings().size(), trainer.wideCoordinates(),
                trainer.pendingIds(), trainer.refusedRows());
    }

    /**
     * Examples with ids uniform in {@code [0, idsPerField)} per field.
     *
     * @param spec        the spec (shapes the holders)
     * @param count       how many
     * @param idsPerField the id range
     * @param random      the source of randomness
     * @return the examples
     */
    static List<Example> uniform(FeatureSpec spec, int count, long idsPerField, SplittableRandom random) {
        List<Example> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Encoded e = new Encoded(spec);
            long[] ids = e.ids();
            long[] wide = e.wideIds();
            for (int f = 0; f < wide.length; f++) {
                wide[f] = random.nextLong(idsPerField);
                if (f < ids.length) {
                    ids[f] = wide[f];
                }
            }
            float[] num = e.numeric();
            for (int d = 0; d < num.length; d++) {
                num[d] = (float) random.nextDouble(0, 5);
            }
            out.add(new Example(e, random.nextDouble() < 0.25 ? 1 : 0));
        }
        return out;
    }
}

package io.wnd.trainer;

import io.wnd.state.encode.Encoded;
import io.wnd.state.spec.FeatureSpec;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.commons.rng.sampling.distribution.RejectionInversionZipfSampler;
import org.apache.commons.rng.sampling.distribution.SharedStateDiscreteSampler;
import org.apache.commons.rng.simple.RandomSource;

/**
 * Training examples/s on the calling thread (a benchmark, not a test: STYLE 16). Examples carry ids drawn from
 * {@code [0, idsPerField)} in every wide field (crosses included): uniformly (every lookup of a large table is then a
 * cache miss: the worst case), or by a Zipf law (id {@code k} drawn with a probability proportional to
 * {@code (k + 1)^-s}, as the categories of click logs are: most lookups are of a few hot ids); numerics uniform in
 * [0, 5); labels are
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
     * Measures several id ranges interleaved: a trainer per range, each warmed up (see the class comment); then
     * {@code rounds} rounds in which every trainer in turn trains and times its next {@code examples / rounds}
     * examples. A machine that gets slower or faster during the measurement (other tenants, the CPU's clock) then
     * weighs on every range alike, where measuring one range after the other puts all of such a drift between
     * them.
     *
     * @param spec           the feature spec
     * @param idRanges       the id range of each measurement (each &ge; 1; with a Zipf law, at most
     *                       {@link Integer#MAX_VALUE})
     * @param zipfExponent   the exponent {@code s} of the Zipf law the ids are drawn by, in (0, 10]; or 0 for
     *                       uniformly drawn ids
     * @param warmupExamples examples each trainer trains on before timing (&ge; 0)
     * @param examples       examples timed per range (&ge; rounds &times; the batch size)
     * @param rounds         how many rounds they are split into (&ge; 1)
     * @param clock          the trainers' clock
     * @return per range: the figures over all rounds, and examples/s in each round
     */
    public static List<Interleaved> runInterleaved(FeatureSpec spec, long[] idRanges, double zipfExponent,
                                                   long warmupExamples, long examples, int rounds, Clock clock) {
        int b = spec.batchSize();
        long maxRange = zipfExponent == 0 ? Long.MAX_VALUE : Integer.MAX_VALUE;
        if (rounds < 1 || examples < (long) rounds * b || warmupExamples < 0
                || java.util.Arrays.stream(idRanges).anyMatch(ids -> ids < 1 || ids > maxRange)
                || !(zipfExponent == 0 || (zipfExponent > 0 && zipfExponent <= 10))) {
            throw new IllegalArgumentException("need rounds >= 1, examples >= rounds x batch size (a batch per round at "
                    + "least), warmupExamples >= 0, a Zipf exponent in (0, 10] or 0 (uniform ids) and every id range "
                    + ">= 1 (with a Zipf law, <= " + Integer.MAX_VALUE + "); got " + rounds + ", " + examples + ", "
                    + warmupExamples + ", " + zipfExponent + ", " + java.util.Arrays.toString(idRanges));
        }
        List<Timed> timed = new ArrayList<>();
        for (long range : idRanges) {
            SplittableRandom random = new SplittableRandom(spec.seed());
            Ids ids = new Ids(range, zipfExponent, random);
            Timed t = new Timed(new WideDeepTrainer(spec, clock), random, range);
            long done = 0;
            while (done < warmupExamples) {
                int n = (int) Math.min(b, warmupExamples - done);
                t.step(examples(spec, n, ids, t.random));
                done += n;
            }
            t.drain();
            for (long d = 0; d < examples; d += b) {
                t.batches.add(examples(spec, (int) Math.min(b, examples - d), ids, t.random));
            }
            timed.add(t);
        }
        // the examples just generated are the bulk of the young generation: collect now, so that the timed rounds do
        // not pay for copying them to the old one (as JMH collects between iterations)
        System.gc();
        for (int r = 0; r < rounds; r++) {
            for (Timed t : timed) {
                // round r trains the batches [r * n / rounds, (r + 1) * n / rounds)
                int n = t.batches.size();
                int from = (int) ((long) r * n / rounds);
                int to = (int) ((long) (r + 1) * n / rounds);
                long count = 0;
                long gcBefore = gcMillis();
                long allocatedBefore = allocatedBytes();
                long[] phasesBefore = t.phaseNanos();
                t.drainNanos = 0;
                long start = System.nanoTime();
                for (int i = from; i < to; i++) {
                    List<Example> batch = t.batches.get(i);
                    t.step(batch);
                    count += batch.size();
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                t.gcSeconds += (gcMillis() - gcBefore) / 1e3;
                t.allocated += allocatedBytes() - allocatedBefore;
                t.seconds += seconds;
                t.examples += count;
                t.roundRates.add(count / seconds);
                long[] phases = t.phaseNanos();
                double[] micros = new double[PARTS];
                for (int p = 0; p < phases.length; p++) {
                    micros[p] = (phases[p] - phasesBefore[p]) / 1e3 / count;
                }
                micros[PARTS - 1] = t.drainNanos / 1e3 / count;
                t.roundPhaseMicros.add(micros);
            }
        }
        List<Interleaved> out = new ArrayList<>();
        for (Timed t : timed) {
            t.drain();
            Result res = new Result(spec.name(), spec.modelType().jsonName(), b, t.ids, warmupExamples, t.examples,
                    t.seconds, t.examples / t.seconds, t.trainer.model().embeddings().size(),
                    t.trainer.wideCoordinates(), t.trainer.pendingIds(), t.trainer.refusedRows());
            out.add(new Interleaved(res, List.copyOf(t.roundRates), t.gcSeconds, (double) t.allocated / t.examples,
                    List.copyOf(t.roundPhaseMicros)));
        }
        return out;
    }

    /**
     * One range of {@link #runInterleaved}.
     *
     * @param result     the figures over all rounds
     * @param roundRates examples/s in each round
     * @param gcSeconds  the collectors' time (pauses, as the JVM's collector beans count it) during this range's
     *                   rounds: the trainers share one heap, so a collection falls on whichever trainer is running
     *                   when it is due, whichever allocated what it collects (the one with the large tables, nearly
     *                   always)
     * @param allocatedBytesPerExample the heap this range's rounds allocated on the calling thread (the drains
     *                   included), per example: what fills the young generation, and so how often it is collected;
     *                   unlike time, it does not depend on how busy the machine is
     * @param roundParts per round, microseconds per example in each part of the work: the {@link StepPhase}s by
     *                   ordinal, then the drains ({@link #PARTS} values)
     */
    public record Interleaved(Result result, List<Double> roundRates, double gcSeconds,
                              double allocatedBytesPerExample, List<double[]> roundParts) {
    }

    /** The parts of the work {@link Interleaved#roundParts} times: the step phases, then the drains. */
    public static final int PARTS = StepPhase.values().length + 1;

    /**
     * A part's name in JSON reports.
     *
     * @param part a {@link StepPhase} ordinal, or {@code PARTS - 1}
     * @return its name
     */
    public static String partName(int part) {
        return part == PARTS - 1 ? "drain" : StepPhase.values()[part].jsonName();
    }

    /** The heap allocated so far by the calling thread, or 0 where the JVM does not count it. */
    private static long allocatedBytes() {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        return threads instanceof com.sun.management.ThreadMXBean counting && counting.isThreadAllocatedMemoryEnabled()
                ? counting.getCurrentThreadAllocatedBytes() : 0;
    }

    private static long gcMillis() {
        long ms = 0;
        for (java.lang.management.GarbageCollectorMXBean gc : java.lang.management.ManagementFactory
                .getGarbageCollectorMXBeans()) {
            ms += Math.max(0, gc.getCollectionTime());
        }
        return ms;
    }

    /** A trainer being measured, its timed batches and what it has measured so far. */
    private static final class Timed {
        final WideDeepTrainer trainer;
        final SplittableRandom random;
        final long ids;
        final List<List<Example>> batches = new ArrayList<>();
        final List<Double> roundRates = new ArrayList<>();
        final List<double[]> roundPhaseMicros = new ArrayList<>();
        long sinceDrain;
        long drainNanos;
        double gcSeconds;
        long allocated;
        // the deltas each drain refills, as wnd train's publisher does
        Changes drained;
        double seconds;
        long examples;

        Timed(WideDeepTrainer trainer, SplittableRandom random, long ids) {
            this.trainer = trainer;
            this.random = random;
            this.ids = ids;
        }

        /** One batch, and a drain every {@value #DRAIN_EVERY} examples, as in {@code wnd train}. */
        void step(List<Example> batch) {
            trainer.train(batch);
            sinceDrain += batch.size();
            if (sinceDrain >= DRAIN_EVERY) {
                drain();
            }
        }

        void drain() {
            long start = System.nanoTime();
            drained = trainer.drainChanges(drained);
            drainNanos += System.nanoTime() - start;
            sinceDrain = 0;
        }

        long[] phaseNanos() {
            StepPhase[] phases = StepPhase.values();
            long[] out = new long[phases.length];
            for (StepPhase p : phases) {
                out[p.ordinal()] = trainer.phaseNanos(p);
            }
            return out;
        }
    }

    /** Draws ids from {@code [0, range)}: uniformly, or by a Zipf law (see the class comment). */
    private static final class Ids {
        private final long range;
        private final SplittableRandom random;
        /** Null for uniform ids. */
        private final SharedStateDiscreteSampler zipf;

        Ids(long range, double zipfExponent, SplittableRandom random) {
            this.range = range;
            this.random = random;
            this.zipf = zipfExponent == 0 ? null
                    : RejectionInversionZipfSampler.of(RandomSource.SPLIT_MIX_64.create(random.nextLong()),
                    (int) range, zipfExponent);
        }

        long next() {
            // the sampler draws ranks 1..range
            return zipf == null ? random.nextLong(range) : zipf.sample() - 1;
        }
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
        return examples(spec, count, new Ids(idsPerField, 0, random), random);
    }

    /**
     * Examples with ids drawn by {@code ids} per field.
     *
     * @param spec   the spec (shapes the holders)
     * @param count  how many
     * @param ids    the ids' distribution
     * @param random the source of the rest's randomness
     * @return the examples
     */
    private static List<Example> examples(FeatureSpec spec, int count, Ids ids, SplittableRandom random) {
        List<Example> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Encoded e = new Encoded(spec);
            long[] sparse = e.ids();
            long[] wide = e.wideIds();
            for (int f = 0; f < wide.length; f++) {
                wide[f] = ids.next();
                if (f < sparse.length) {
                    sparse[f] = wide[f];
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

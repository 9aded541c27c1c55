package io.wnd.trainer;

import io.wnd.state.encode.Encoder;
import io.wnd.state.model.ForwardPass;
import io.wnd.state.model.WideDeepModel;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.spec.ModelType;
import io.wnd.state.version.SparseDelta;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The trainer's contracts: DL4J equals the served forward pass, determinism, sparse steps, admission, expiry. */
class TrainerBehaviourTest {

    private static final Instant START = Instant.parse("2024-01-01T00:00:00Z");

    // for the admission and expiry tests: one example of the default spec, its ids the same in every step
    private final FeatureSpec criteo = FeatureSpec.builtin("criteo");
    private final TestClock clock = new TestClock(START);
    private final List<Example> one = SyntheticExamples.uniform(criteo, 1, 1, 5);
    private static final Clock CLOCK = Clock.fixed(START, ZoneOffset.UTC);

    @Test
    void shouldScoreWithDl4jExactlyAsThePlainJavaForwardPassAfterTraining() {
        CriteoFiles.assumePresent(CriteoFiles.KAGGLE);
        FeatureSpec spec = FeatureSpec.builtin("criteo");
        List<Example> rows = CriteoFiles.read(CriteoFiles.KAGGLE, new Encoder(spec), 0, 4096);
        WideDeepTrainer trainer = new WideDeepTrainer(spec, CLOCK);
        for (int from = 0; from < 3584; from += 512) {
            trainer.train(rows.subList(from, from + 512));
        }
        List<Example> held = rows.subList(3584, 4096);
        ForwardPass pass = new ForwardPass(trainer.model());
        double[] java = new double[held.size()];
        for (int i = 0; i < held.size(); i++) {
            java[i] = pass.probability(held.get(i).features());
        }
        double[] dl4j = trainer.score(held);
        // the probabilities train() reports are taken before its step: the same model again
        double[] progressive = trainer.train(held);
        int compared = 0;
        for (int i = 0; i < held.size(); i++) {
            assertThat(Math.abs(dl4j[i] - java[i])).as("row %d", i).isLessThanOrEqualTo(1e-6);
            assertThat(Math.abs(progressive[i] - java[i])).as("row %d", i).isLessThanOrEqualTo(1e-6);
            compared++;
        }
        assertThat(compared).isEqualTo(512);
        // and after that step the tower copied back into the model still agrees with DL4J
        ForwardPass after = new ForwardPass(trainer.model());
        double[] again = trainer.score(held);
        for (int i = 0; i < held.size(); i++) {
            assertThat(Math.abs(again[i] - after.probability(held.get(i).features()))).isLessThanOrEqualTo(1e-6);
        }
    }

    @Test
    void shouldTimeEachPhaseOfItsStepsThatItsModelTypeHas() {
        FeatureSpec spec = FeatureSpec.builtin("criteo");
        WideDeepTrainer both = new WideDeepTrainer(spec, CLOCK);
        WideDeepTrainer wide = new WideDeepTrainer(spec.withModelType(ModelType.WIDE), CLOCK);
        long start = System.nanoTime();
        for (int s = 0; s < 3; s++) {
            List<Example> batch = SyntheticExamples.uniform(spec, 256, 300, s);
            both.train(batch);
            wide.train(batch);
        }
        long elapsed = System.nanoTime() - start;
        long sum = 0;
        for (StepPhase p : StepPhase.values()) {
            assertThat(both.phaseNanos(p)).as(p.jsonName()).isPositive();
            sum += both.phaseNanos(p) + wide.phaseNanos(p);
        }
        assertThat(sum).isLessThanOrEqualTo(elapsed);
        assertThat(wide.phaseNanos(StepPhase.WIDE_FORWARD)).isPositive();
        assertThat(wide.phaseNanos(StepPhase.WIDE_UPDATE)).isPositive();
        for (StepPhase p : new StepPhase[] {StepPhase.EMBEDDING_FORWARD, StepPhase.EMBEDDING_ADMISSION,
                StepPhase.DEEP_FORWARD, StepPhase.DEEP_BACKWARD, StepPhase.EMBEDDING_UPDATE}) {
            assertThat(wide.phaseNanos(p)).as(p.jsonName()).isZero();
        }
    }

    @Test
    void shouldGiveIdenticalWeightsForTheSameSeedAndInput() {
        FeatureSpec spec = FeatureSpec.builtin("criteo");
        WideDeepTrainer a = new WideDeepTrainer(spec, CLOCK);
        WideDeepTrainer b = new WideDeepTrainer(spec, CLOCK);
        for (int s = 0; s < 4; s++) {
            List<Example> batch = SyntheticExamples.uniform(spec, 512, 300, s);
            assertThat(a.train(batch)).containsExactly(b.train(batch));
        }
        assertThat(a.model().tower().toFlat()).containsExactly(b.model().tower().toFlat());
        Changes ca = a.drainChanges();
        Changes cb = b.drainChanges();
        assertThat(ca.size()).isPositive().isEqualTo(cb.size());
        assertSameDelta(ca.wide(), cb.wide());
        assertSameDelta(ca.embeddings(), cb.embeddings());
    }

    @Test
    void shouldResumeFromAPublishedModelWithItsWideWeightsAndPublishOnlyWhatChangesAfter() {
        FeatureSpec spec = FeatureSpec.builtin("criteo");
        WideDeepTrainer first = new WideDeepTrainer(spec, CLOCK);
        for (int s = 0; s < 6; s++) {
            first.train(SyntheticExamples.uniform(spec, 512, 300, s));
        }
        // the model as a scorer or a restarted trainer reads it: heap tables holding the published rows
        io.wnd.state.table.InMemorySparseTable wide =
                new io.wnd.state.table.InMemorySparseTable(spec.wideFieldCount(), 1, spec.maxWideRows());
        first.model().wide().forEach((f, id, values, offset) -> wide.put(f, id, new float[] {values[offset]}));
        io.wnd.state.table.InMemorySparseTable embeddings = new io.wnd.state.table.InMemorySparseTable(
                spec.sparseCount(), spec.embeddingDim(), spec.maxEmbeddingRows());
        first.model().embeddings().forEach((f, id, values, offset) -> embeddings.put(f, id,
                java.util.Arrays.copyOfRange(values, offset, offset + spec.embeddingDim())));
        io.wnd.state.model.WideDeepModel published =
                new io.wnd.state.model.WideDeepModel(spec, wide, embeddings, first.model().tower());
        assertThat(wide.size()).isPositive();

        WideDeepTrainer resumed = new WideDeepTrainer(published, CLOCK);

        // its weights are the published ones, recomputed from FTRL state: z = -(w (beta / alpha + l2) + sgn(w) l1) in a
        // float, whose rounding (an ulp of l1, 3e-8) comes back divided by beta / alpha + l2 (21)
        assertThat(resumed.model().wide().size()).isEqualTo(wide.size());
        wide.forEach((f, id, values, offset) -> assertThat(resumed.model().wide().get(f, id)[0])
                .isCloseTo(values[offset], within(2e-9f + 1e-6f * Math.abs(values[offset]))));
        Changes none = resumed.drainChanges();
        assertThat(none.size()).as("nothing changed since the version it resumed from").isZero();
        // a step publishes the keys of its batch only
        List<Example> batch = SyntheticExamples.uniform(spec, 64, 300, 99);
        Set<String> keys = new HashSet<>();
        for (Example e : batch) {
            long[] ids = e.features().wideIds();
            for (int f = 0; f < ids.length; f++) {
                keys.add(f + ":" + ids[f]);
            }
        }
        resumed.train(batch);
        Changes changes = resumed.drainChanges();
        assertThat(changes.wide().size()).isPositive();
        for (int i = 0; i < changes.wide().size(); i++) {
            assertThat(keys).contains(changes.wide().field(i) + ":" + changes.wide().id(i));
        }
    }

    @Test
    void shouldTouchOnlyTheRowsOfTheBatch() {
        FeatureSpec spec = FeatureSpec.builtin("criteo");
        WideDeepTrainer trainer = new WideDeepTrainer(spec, CLOCK);
        // ids 0..99 twice each per field: admitted after the first step
        List<Example> first = SyntheticExamples.uniform(spec, 512, 100, 1);
        trainer.train(first);
        trainer.train(first);
        trainer.drainChanges();
        long embeddingRows = trainer.model().embeddings().size();
        long coordinates = trainer.wideCoordinates();

        // a batch with ids from another range touches only its own keys
        List<Example> second = SyntheticExamples.uniform(spec, 64, 100, 2);
        Set<String> keys = new HashSet<>();
        java.util.Map<String, Integer> embeddingSightings = new java.util.HashMap<>();
        for (Example e : second) {
            long[] ids = e.features().wideIds();
            for (int f = 0; f < ids.length; f++) {
                ids[f] += 1_000_000;
                if (f < e.features().ids().length) {
                    e.features().ids()[f] = ids[f];
                    embeddingSightings.merge(f + ":" + ids[f], 1, Integer::sum);
                }
                keys.add(f + ":" + ids[f]);
            }
        }
        long admittedNow = embeddingSightings.values().stream()
                .filter(n -> n >= spec.admissionThreshold()).count();
        float[] untouched = trainer.model().embeddings().get(0, first.get(0).features().ids()[0]);
        trainer.train(second);
        Changes changes = trainer.drainChanges();

        // new ids seen fewer times than the threshold are only counted; the others got rows, and nothing else
        assertThat(admittedNow).isPositive();
        assertThat(trainer.model().embeddings().size()).isEqualTo(embeddingRows + admittedNow);
        assertThat(trainer.model().embeddings().get(0, first.get(0).features().ids()[0])).containsExactly(untouched);
        assertThat(trainer.wideCoordinates()).as("before %d, batch keys %d", coordinates, keys.size())
                .isEqualTo(coordinates + keys.size());
        assertThat(changes.embeddings().size()).isEqualTo(admittedNow);
        for (int i = 0; i < changes.embeddings().size(); i++) {
            String key = changes.embeddings().field(i) + ":" + changes.embeddings().id(i);
            assertThat(embeddingSightings.get(key)).isGreaterThanOrEqualTo(spec.admissionThreshold());
        }
        for (int i = 0; i < changes.wide().size(); i++) {
            assertThat(keys).contains(changes.wide().field(i) + ":" + changes.wide().id(i));
        }
    }

    @Test
    void shouldPublishInItsDrainsExactlyWhatItsTablesHold() {
        // batches of 512 examples over 2,000 ids per field: thousands of distinct keys a step (several chunks of the
        // step's table work), weights that become non-zero, change, return to 0 (removed) and come back in rows freed
        // by others, and admissions
        FeatureSpec spec = criteo;
        WideDeepTrainer trainer = new WideDeepTrainer(spec, clock);
        java.util.Map<String, Float> wide = new java.util.HashMap<>();
        java.util.Map<String, List<Float>> embeddings = new java.util.HashMap<>();
        int deletions = 0;
        Changes changes = null;
        for (int step = 0; step < 40; step++) {
            trainer.train(SyntheticExamples.uniform(spec, 512, 2_000, 100 + step));
            if (step % 7 == 6 || step == 39) {
                // after the first drain, each refills the deltas of the one before (as wnd train does): larger and
                // smaller drains than the ones before them
                changes = changes == null ? trainer.drainChanges() : trainer.drainChanges(changes);
                deletions += apply(changes.wide(), wide, d -> d.get(0));
                deletions += apply(changes.embeddings(), embeddings, d -> d);
            }
        }
        java.util.Map<String, Float> wideNow = new java.util.HashMap<>();
        trainer.model().wide().forEach((field, id, values, offset) -> wideNow.put(field + ":" + id, values[offset]));
        java.util.Map<String, List<Float>> embeddingsNow = new java.util.HashMap<>();
        trainer.model().embeddings().forEach((field, id, values, offset) -> {
            List<Float> row = new java.util.ArrayList<>();
            for (int d = 0; d < spec.embeddingDim(); d++) {
                row.add(values[offset + d]);
            }
            embeddingsNow.put(field + ":" + id, row);
        });
        assertThat(deletions).as("weights returned to 0 and were deleted").isPositive();
        assertThat(wide).isEqualTo(wideNow);
        Changes swapped = new Changes(changes.embeddings(), changes.wide());
        assertThatThrownBy(() -> trainer.drainChanges(swapped)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("embedding delta of dim " + spec.embeddingDim());
        assertThat(embeddings).isEqualTo(embeddingsNow);
    }

    @Test
    void shouldTrainAndPublishTheSameWithTheSharedIndexAsWithIndexesOfTheirOwn() {
        // ids from ranges of two sizes, the clock moving a quarter of the idle limit a step: rows and coordinates
        // expire and are swept while others are admitted, so both tables of a shared index grow, and remove keys
        // that the other table still holds, between drains
        FeatureSpec spec = criteo;
        WideDeepTrainer shared = new WideDeepTrainer(WideDeepModel.create(spec), clock);
        WideDeepTrainer apart = new WideDeepTrainer(WideDeepModel.create(spec), clock, false);
        List<Example> probe = SyntheticExamples.uniform(spec, 256, 3_000, 7);
        long expired = 0;
        for (int step = 0; step < 48; step++) {
            List<Example> batch = SyntheticExamples.uniform(spec, 512, step % 2 == 0 ? 400 : 3_000, 200 + step);
            assertThat(shared.train(batch)).isEqualTo(apart.train(batch));
            clock.advanceSeconds(spec.idleExpirySeconds() / 4);
            int e = shared.expireIdle();
            assertThat(apart.expireIdle()).isEqualTo(e);
            expired += e;
            if (step % 6 == 5) {
                Changes a = shared.drainChanges();
                Changes b = apart.drainChanges();
                assertThat(deltaMap(a.wide())).isEqualTo(deltaMap(b.wide()));
                assertThat(deltaMap(a.embeddings())).isEqualTo(deltaMap(b.embeddings()));
                assertThat(shared.score(probe)).isEqualTo(apart.score(probe));
            }
        }
        assertThat(expired).as("rows expired").isPositive();
    }

    /** A delta as key -> values (null for a deletion). */
    private static java.util.Map<String, List<Float>> deltaMap(SparseDelta delta) {
        java.util.Map<String, List<Float>> map = new java.util.HashMap<>();
        for (int i = 0; i < delta.size(); i++) {
            List<Float> row = null;
            if (!delta.deleted(i)) {
                row = new java.util.ArrayList<>();
                for (int d = 0; d < delta.dim(); d++) {
                    row.add(delta.values()[i * delta.dim() + d]);
                }
            }
            map.put(delta.field(i) + ":" + delta.id(i), row);
        }
        return map;
    }

    /** Applies a delta to a key -> value map as a scorer would; returns its deletions. */
    private static <V> int apply(SparseDelta delta, java.util.Map<String, V> into,
                                 java.util.function.Function<List<Float>, V> value) {
        int deletions = 0;
        for (int i = 0; i < delta.size(); i++) {
            String key = delta.field(i) + ":" + delta.id(i);
            if (delta.deleted(i)) {
                into.remove(key);
                deletions++;
            } else {
                List<Float> row = new java.util.ArrayList<>();
                for (int d = 0; d < delta.dim(); d++) {
                    row.add(delta.values()[i * delta.dim() + d]);
                }
                into.put(key, value.apply(row));
            }
        }
        return deletions;
    }

    @Test
    void shouldWarmUpInDoublingStepsExactlyAsIfTheBatchHadBeenSplitByHand() {
        FeatureSpec spec = FeatureSpec.builtin("criteo");
        assertThat(spec.warmupBatchSize()).isEqualTo(8);
        assertThat(spec.batchSize()).isEqualTo(256);
        WideDeepTrainer warm = new WideDeepTrainer(spec, CLOCK);
        WideDeepTrainer byHand = new WideDeepTrainer(GradientCheckTest.withoutWarmup(spec), CLOCK);
        List<Example> first = SyntheticExamples.uniform(spec, 256, 300, 1);
        List<Example> second = SyntheticExamples.uniform(spec, 256, 300, 2);

        double[] p = warm.train(first);
        // 8 + 16 + 32 + 64 + 128 = 248, then the 8 left
        assertThat(warm.steps()).isEqualTo(6);
        int from = 0;
        for (int size : new int[] {8, 16, 32, 64, 128, 8}) {
            double[] expected = byHand.train(first.subList(from, from + size));
            assertThat(java.util.Arrays.copyOfRange(p, from, from + size)).as("rows from %d", from)
                    .containsExactly(expected);
            from += size;
        }
        assertThat(p[0]).as("a new model's first prediction (bias 0)").isCloseTo(0.5, within(0.05));
        assertThat(p[255]).as("scored after five steps").isLessThan(p[0] - 0.05);
        // warmed up: one step per batch from now on
        assertThat(warm.train(second)).containsExactly(byHand.train(second));
        assertThat(warm.steps()).isEqualTo(7);
        assertThat(warm.model().tower().toFlat()).containsExactly(byHand.model().tower().toFlat());
    }

    @Test
    void shouldAdmitAnIdAtTheThresholdAndExpireItWhenIdle() {
        FeatureSpec spec = criteo;
        WideDeepTrainer trainer = new WideDeepTrainer(spec, clock);
        long id = one.get(0).features().ids()[2];
        for (int seen = 1; seen < spec.admissionThreshold(); seen++) {
            trainer.train(one);
            assertThat(trainer.model().embeddings().get(2, id)).as("seen %d times", seen).isNull();
        }
        for (int i = 0; i < spec.admissionThreshold(); i++) {
            trainer.score(one);
        }
        assertThat(trainer.model().embeddings().get(2, id)).as("scoring is not a sighting").isNull();
        trainer.train(one);
        float[] admitted = trainer.model().embeddings().get(2, id);
        float[] initial = new float[spec.embeddingDim()];
        trainer.model().initialEmbedding(2, id, initial);
        assertThat(admitted).containsExactly(initial);
        trainer.drainChanges();

        clock.advanceSeconds(spec.idleExpirySeconds());
        assertThat(trainer.expireIdle()).as("idle for exactly the limit: kept").isZero();
        clock.advanceSeconds(1);
        assertThat(trainer.expireIdle()).isEqualTo(spec.sparseCount());
        assertThat(trainer.model().embeddings().size()).isZero();
        Changes changes = trainer.drainChanges();
        assertThat(changes.embeddings().size()).isEqualTo(spec.sparseCount());
        for (int i = 0; i < changes.embeddings().size(); i++) {
            assertThat(changes.embeddings().deleted(i)).isTrue();
        }
    }

    @Test
    void shouldForgetTheSightingsOfAnIdleIdThatWasNotAdmitted() {
        FeatureSpec spec = criteo;
        assertThat(spec.admissionThreshold()).isEqualTo(2);
        WideDeepTrainer trainer = new WideDeepTrainer(spec, clock);
        long id = one.get(0).features().ids()[2];
        trainer.train(one);
        assertThat(trainer.pendingIds()).isEqualTo(spec.sparseCount());

        clock.advanceSeconds(spec.idleExpirySeconds());
        trainer.expireIdle();
        assertThat(trainer.pendingIds()).as("idle for exactly the limit: kept").isEqualTo(spec.sparseCount());
        clock.advanceSeconds(1);
        assertThat(trainer.expireIdle()).as("no rows to remove").isZero();
        assertThat(trainer.pendingIds()).isZero();

        trainer.train(one);
        assertThat(trainer.model().embeddings().get(2, id)).as("counting starts again: seen once").isNull();
        assertThat(trainer.pendingIds()).isEqualTo(spec.sparseCount());
        trainer.train(one);
        assertThat(trainer.model().embeddings().get(2, id)).as("seen twice").isNotNull();
        assertThat(trainer.pendingIds()).as("admitted ids carry no count").isZero();
    }

    @Test
    void shouldDropWideCoordinatesIdleForAWholeExpiryPeriod() {
        FeatureSpec spec = criteo;
        WideDeepTrainer trainer = new WideDeepTrainer(spec, clock);
        for (int i = 0; i < 20; i++) {
            trainer.train(one);
        }
        long coordinates = trainer.wideCoordinates();
        long weights = trainer.model().wide().size();
        assertThat(coordinates).isEqualTo(spec.wideFieldCount());
        assertThat(weights).as("20 steps on one example move some weights past l1").isPositive();
        trainer.drainChanges();

        clock.advanceSeconds(spec.idleExpirySeconds());
        trainer.expireIdle();
        assertThat(trainer.wideCoordinates()).as("touched since the trainer started").isEqualTo(coordinates);
        clock.advanceSeconds(spec.idleExpirySeconds() - 1);
        trainer.expireIdle();
        assertThat(trainer.wideCoordinates()).as("no second sweep within the period").isEqualTo(coordinates);
        clock.advanceSeconds(1);
        trainer.expireIdle();

        assertThat(trainer.wideCoordinates()).isZero();
        assertThat(trainer.model().wide().size()).isZero();
        Changes changes = trainer.drainChanges();
        assertThat(changes.wide().size()).isEqualTo(weights);
        for (int i = 0; i < changes.wide().size(); i++) {
            assertThat(changes.wide().deleted(i)).isTrue();
        }
    }

    @Test
    void shouldExpireNothingWhenTheSpecSaysNever() {
        FeatureSpec spec = FeatureSpec.builtin("census");
        assertThat(spec.idleExpirySeconds()).isZero();
        TestClock clock = new TestClock(START);
        WideDeepTrainer trainer = new WideDeepTrainer(spec, clock);
        trainer.train(SyntheticExamples.uniform(spec, 64, 50, 5));
        long rows = trainer.model().embeddings().size();
        long coordinates = trainer.wideCoordinates();
        assertThat(rows).isPositive();

        clock.advanceSeconds(10 * 365 * 86_400L);
        assertThat(trainer.expireIdle()).isZero();
        trainer.expireIdle();

        assertThat(trainer.model().embeddings().size()).isEqualTo(rows);
        assertThat(trainer.wideCoordinates()).isEqualTo(coordinates);
    }

    private static void assertSameDelta(SparseDelta a, SparseDelta b) {
        assertThat(a.size()).isEqualTo(b.size());
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.field(i)).isEqualTo(b.field(i));
            assertThat(a.id(i)).isEqualTo(b.id(i));
            assertThat(a.deleted(i)).isEqualTo(b.deleted(i));
        }
        assertThat(java.util.Arrays.copyOf(a.values(), a.size() * a.dim()))
                .containsExactly(java.util.Arrays.copyOf(b.values(), b.size() * b.dim()));
    }
}

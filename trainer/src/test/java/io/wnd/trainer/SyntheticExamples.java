package io.wnd.trainer;

import io.wnd.state.spec.FeatureSpec;

import java.util.List;
import java.util.SplittableRandom;

/** Encoded examples with ids drawn uniformly from {@code [0, idsPerField)} in every wide field, for tests and benchmarks. */
final class SyntheticExamples {

    private SyntheticExamples() {
    }

    /**
     * @param spec        the feature spec (shapes the holders)
     * @param count       the number of examples
     * @param idsPerField the id range of each field
     * @param seed        the random seed
     * @return the examples; labels are Bernoulli(0.25)
     */
    static List<Example> uniform(FeatureSpec spec, int count, long idsPerField, long seed) {
        return TrainingBenchmark.uniform(spec, count, idsPerField, new SplittableRandom(seed));
    }
}

package io.wnd.trainer;

import io.wnd.state.encode.Encoded;
import io.wnd.state.spec.FeatureSpec;

import java.util.ArrayList;
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
        SplittableRandom random = new SplittableRandom(seed);
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

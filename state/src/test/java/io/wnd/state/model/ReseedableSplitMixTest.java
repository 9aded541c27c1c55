package io.wnd.state.model;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class ReseedableSplitMixTest {

    @Test
    void shouldDrawWhatANewSplittableRandomOfTheSameSeedDraws() {
        ReseedableSplitMix mix = new ReseedableSplitMix();
        SplittableRandom seeds = new SplittableRandom(7);
        long tails = 0;
        // 200,000 seeds x 8 Gaussians: about 1 % of the ziggurat's draws take its slower paths (wedges and tails)
        for (int i = 0; i < 200_000; i++) {
            long seed = i < 1000 ? i - 500 : seeds.nextLong();
            SplittableRandom expected = new SplittableRandom(seed);
            mix.seed(seed);
            for (int d = 0; d < 8; d++) {
                double g = expected.nextGaussian();
                assertThat(mix.nextGaussian()).isEqualTo(g);
                if (Math.abs(g) > 3) {
                    tails++;
                }
            }
            assertThat(mix.nextLong()).isEqualTo(expected.nextLong());
            assertThat(mix.nextDouble()).isEqualTo(expected.nextDouble());
        }
        assertThat(tails).as("draws beyond 3 standard deviations").isGreaterThan(1000);
    }

    @Test
    void shouldGiveTheInitialEmbeddingOfTheSeedItDocuments() {
        WideDeepModel model = WideDeepModel.create(io.wnd.state.spec.FeatureSpec.builtin("criteo"));
        float[] row = new float[model.spec().embeddingDim()];
        model.initialEmbedding(5, 123_456_789L, row);
        SplittableRandom expected = new SplittableRandom((model.spec().seed() * 0x9E3779B97F4A7C15L + 5)
                * 0x9E3779B97F4A7C15L + 123_456_789L);
        for (float v : row) {
            assertThat(v).isEqualTo((float) (expected.nextGaussian() * model.spec().adagrad().initStd()));
        }
    }
}

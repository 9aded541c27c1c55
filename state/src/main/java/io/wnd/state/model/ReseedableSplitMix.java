package io.wnd.state.model;

import java.util.random.RandomGenerator;

/**
 * The generator of {@link java.util.SplittableRandom#SplittableRandom(long)} (SplitMix64 with the golden gamma), as a
 * {@link RandomGenerator} whose seed can be set again: {@code seed(s)} then {@code nextGaussian()} gives exactly what
 * {@code new SplittableRandom(s).nextGaussian()} does (the JDK's default ziggurat works from {@code nextLong} and
 * {@code nextDouble}, which are the same here; not {@code nextInt}, which {@code SplittableRandom} mixes to 32 bits
 * its own way), without allocating a generator per draw. A trainer draws the
 * initial embedding of every admitted id from a generator seeded by the id ({@link WideDeepModel#initialEmbedding});
 * a new {@code SplittableRandom} per row, with its proxy object, was a fifth of the trainer's heap allocation with
 * 26 x 1M ids (the JIT does not remove it: the ziggurat is too large to inline). Not thread-safe.
 */
final class ReseedableSplitMix implements RandomGenerator {

    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private long seed;

    /** Starts the sequence of {@code new SplittableRandom(seed)}. */
    ReseedableSplitMix seed(long seed) {
        this.seed = seed;
        return this;
    }

    @Override
    public long nextLong() {
        long z = seed += GOLDEN_GAMMA;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}

package io.wnd.ingest.generate;

/**
 * Stateless 64-bit hashing: how the generator and the ground truth turn (seed, field, value) into
 * reproducible pseudo-random numbers without remembering anything per value.
 */
final class Hashing {
  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;
  private static final double SQRT_3 = Math.sqrt(3.0);

  private Hashing() {}

  /**
   * The SplitMix64 finalizer: a bijection of 64-bit values whose every output bit depends on every input
   * bit.
   */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** A hash of three values; chained through {@link #mix} so that (a, b, c) and (b, a, c) differ. */
  static long hash(long a, long b, long c) {
    return mix(mix(mix(a + GOLDEN_GAMMA) + b * GOLDEN_GAMMA) ^ c);
  }

  /**
   * A standard-normal-ish value of a hash: the Irwin-Hall sum of its four 16-bit quarters as uniforms,
   * centred and scaled to variance 1. Bounded by ±2√3, which keeps single categories from dominating, and
   * needs no logarithm or cosine, which matters at 26 draws per row.
   */
  static double gaussianish(long h) {
    long sum = (h & 0xFFFF) + ((h >>> 16) & 0xFFFF) + ((h >>> 32) & 0xFFFF) + (h >>> 48);
    // each quarter is uniform on {0..65535}; +0.5 centres it on (0, 1), so the sum of four has mean 2
    double uniforms = (sum + 2.0) / 65536.0;
    return (uniforms - 2.0) * SQRT_3;
  }

  /** A uniform value in [0, 1) from the top 53 bits of a hash. */
  static double uniform(long h) {
    return (h >>> 11) * 0x1.0p-53;
  }
}

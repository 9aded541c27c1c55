package io.wnd.state.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Which sparse rows a {@link ModelStore} may hold: a Bloom filter over (table, field, id), blocked (a key's bits
 * all lie in one 64-bit word, so a lookup costs one cache line). Most ids a scorer reads are in no version (a
 * model of tens of thousands of rows meets millions of ids in a day of traffic); the filter answers those without
 * a RocksDB read, and without taking a place in the hot-row cache.
 *
 * <p><b>Append-only.</b> A key is added when it is staged and never removed, so the filter holds a superset of the
 * keys of every version committed since it was built: a view may share it with the views after it. A deleted or
 * discarded key stays, as a false positive (a RocksDB read that finds nothing). The store builds a new filter
 * from its rows when the keys outgrow this one's capacity.
 *
 * <p><b>Concurrency.</b> One thread adds; any number read. Words are written and read with opaque accesses (no
 * torn longs); a reader sees the bits of every key of its view, since they were set before the view was
 * published through a volatile field.
 */
final class KeyFilter {
  private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);
  /** Bits per expected key: with 4 bits per key set in one word, about 0.5 % false positives when full. */
  private static final int BITS_PER_KEY = 16;

  private final long[] words;
  private final int mask;
  private final long capacity;
  private long added;

  /**
   * An empty filter.
   *
   * @param expectedKeys the distinct keys it is sized for (its {@link #capacity()})
   */
  KeyFilter(long expectedKeys) {
    long wordsNeeded = Math.max(1, (Math.max(1, expectedKeys) * BITS_PER_KEY + 63) / 64);
    int n = (int) Math.min(1 << 30, Long.highestOneBit(wordsNeeded - 1) << 1);
    words = new long[Math.max(1, n)];
    mask = words.length - 1;
    capacity = (long) words.length * 64 / BITS_PER_KEY;
  }

  /** Adds a key (a key added before stays as it is). */
  void add(int table, int field, long id) {
    long h = hash(table, field, id);
    int w = (int) (h >>> 32) & mask;
    long bits = bits(h);
    long word = (long) WORDS.getOpaque(words, w);
    if ((word & bits) != bits) {
      WORDS.setOpaque(words, w, word | bits);
      added++;
    }
  }

  /** Whether a key may have been added: false means it never was. */
  boolean mightContain(int table, int field, long id) {
    long h = hash(table, field, id);
    long bits = bits(h);
    return ((long) WORDS.getOpaque(words, (int) (h >>> 32) & mask) & bits) == bits;
  }

  /** The distinct keys added (about: a key that hit the bits of others is not counted). */
  long added() {
    return added;
  }

  /** The distinct keys it is sized for: past them, false positives grow. */
  long capacity() {
    return capacity;
  }

  /** 4 bits of a word, from 4 six-bit slices of the hash's low half (the high half picks the word). */
  private static long bits(long h) {
    return (1L << (h & 63)) | (1L << ((h >>> 6) & 63)) | (1L << ((h >>> 12) & 63)) | (1L << ((h >>> 18) & 63));
  }

  private static long hash(int table, int field, long id) {
    // murmur3's 64-bit finaliser over the id mixed with the table and field
    long h = id ^ (((long) field << 8 | table) * 0x9E3779B97F4A7C15L);
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}

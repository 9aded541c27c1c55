package io.wnd.state.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a trainer's lookups into tables of millions of rows cost on the machine it runs on: independent random reads
 * over a large array (as the trainer's touch loops issue them), one cache line per key, or two lines that are in the
 * same 4 KB page or in two pages. Where the second line costs as much as the first only when it is in another page,
 * the cost is the address translation (TLB misses and page walks), not the memory itself, and what a layout should
 * minimise is the pages a key touches, not its cache lines. Run like {@link StateBenchmarks}, with
 * {@code MemoryBenchmarks}; the fork gets a fixed, pre-touched heap with transparent huge pages.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-XX:+AlwaysPreTouch", "-XX:+UseTransparentHugePages"})
@State(Scope.Benchmark)
public class MemoryBenchmarks {

  /** Keys per invocation: each benchmark's score is per key. */
  static final int KEYS = 1 << 16;
  /** Longs per 4 KB page. */
  private static final int PAGE = 512;

  /** The array's size, MB: 64 fits the CPU's caches' and TLB's reach on most machines, 2,048 no cache's. */
  @Param({"64", "2048"})
  int megabytes;

  long[] table;
  /** Per key: the first long of a random 4 KB page (leaving room for a second page after it). */
  int[] at;
  /** Per key: another random page's first long, plus one line. */
  int[] other;

  @Setup
  public void setUp() {
    int n = (int) ((long) megabytes << 20 >>> 3);
    table = new long[n];
    for (int i = 0; i < n; i += 8) {
      table[i] = i;
    }
    SplittableRandom r = new SplittableRandom(42);
    int pages = n / PAGE - 2;
    at = new int[KEYS];
    other = new int[KEYS];
    for (int k = 0; k < KEYS; k++) {
      at[k] = r.nextInt(pages) * PAGE;
      other[k] = r.nextInt(pages) * PAGE + 8;
    }
  }

  /** One line per key. */
  @Benchmark
  @OperationsPerInvocation(KEYS)
  public long oneLine() {
    long s = 0;
    for (int k = 0; k < KEYS; k++) {
      s += table[at[k]];
    }
    return s;
  }

  /** Two lines per key, 3,584 bytes apart in one 4 KB page. */
  @Benchmark
  @OperationsPerInvocation(KEYS)
  public long twoLinesOnePage() {
    long s = 0;
    for (int k = 0; k < KEYS; k++) {
      s += table[at[k]] + table[at[k] + 448];
    }
    return s;
  }

  /** Two lines per key in the next 4 KB page (the same 2 MB page, where huge pages back the heap). */
  @Benchmark
  @OperationsPerInvocation(KEYS)
  public long twoLinesNextPage() {
    long s = 0;
    for (int k = 0; k < KEYS; k++) {
      s += table[at[k]] + table[at[k] + PAGE + 8];
    }
    return s;
  }

  /** Two lines per key in two random pages. */
  @Benchmark
  @OperationsPerInvocation(KEYS)
  public long twoLinesTwoPages() {
    long s = 0;
    for (int k = 0; k < KEYS; k++) {
      s += table[at[k]] + table[other[k]];
    }
    return s;
  }
}

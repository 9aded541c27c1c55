package io.wnd.scorer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.wnd.schemas.deadletter.DeadLetters;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The scorer's metrics vocabulary (STYLE 12), on a Micrometer registry scraped as Prometheus: scored and
 * held impressions, impressions the full held store could not take, join outcomes, dead letters by reason, the
 * scoring latency histogram, and the model version and age gauges. Thread-safe.
 */
public final class ScorerMetrics {
  /** Join outcome: an example with label 1. */
  public static final String POSITIVE = "positive";
  /** Join outcome: an example with label 0. */
  public static final String NEGATIVE = "negative";
  /** Join outcome: a second click on an impression, dropped. */
  public static final String DUPLICATE_CLICK = "duplicate_click";
  /** Join outcome: a second impression with the same id, dropped. */
  public static final String DUPLICATE_IMPRESSION = "duplicate_impression";
  /**
   * Join outcome: a click after its impression's window (or more than the grace before the impression), which
   * does not change the label.
   */
  public static final String CLICK_OUTSIDE_WINDOW = "click_outside_window";
  /** Join outcome: a click with no impression, dead-lettered. */
  public static final String ORPHAN_CLICK = "orphan_click";
  /** Join outcome: a click arriving after its impression's example was closed and forgotten, dead-lettered. */
  public static final String LATE_CLICK = "late_click";

  private final MeterRegistry registry;
  private final DeadLetters deadLetters;
  private final Counter scored;
  private final Counter held;
  private final Counter holdOverflow;
  private final Counter earlyClicks;
  private final Counter predicted;
  private final Timer latency;
  private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();
  private final Set<String> reasons = ConcurrentHashMap.newKeySet();

  /**
   * @param registry where meters go
   * @param deadLetters the app's dead letters, counted by reason
   * @param model the served model, for the version and age gauges
   */
  public ScorerMetrics(MeterRegistry registry, DeadLetters deadLetters, ModelProvider model) {
    this.registry = registry;
    this.deadLetters = deadLetters;
    this.scored = Counter.builder("wnd.scorer.scored").description("impressions scored").register(registry);
    this.held = Counter.builder("wnd.scorer.held").description("impressions held until a model version exists")
        .register(registry);
    this.holdOverflow = Counter.builder("wnd.scorer.hold.overflow")
        .description("impressions scored with the prior as version 0 because the held store was full")
        .register(registry);
    this.earlyClicks = Counter.builder("wnd.scorer.join.early.clicks")
        .description("clicks read before their impression, which waited for it in the join's early-click store")
        .register(registry);
    this.predicted = Counter.builder("wnd.scorer.http.predictions")
        .description("instances scored through POST /v1/models/<name>:predict (not impressions: not in scored)")
        .register(registry);
    this.latency = Timer.builder("wnd.scorer.score.latency")
        .description("time to encode and score one impression").publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(1_000)).maximumExpectedValue(Duration.ofSeconds(1)).register(registry);
    Gauge.builder("wnd.scorer.model.version", model, m -> m.version()).description("model version in service (0: none)")
        .register(registry);
    FunctionCounter.builder("wnd.scorer.versions.held", model, m -> m.gateHeld())
        .description("versions the quality gate held back").register(registry);
    FunctionCounter.builder("wnd.scorer.model.cache.hits", model, m -> m.store().cacheHits())
        .description("sparse rows read from the hot-row cache").register(registry);
    FunctionCounter.builder("wnd.scorer.model.cache.misses", model, m -> m.store().cacheMisses())
        .description("sparse rows read from RocksDB: neither in the hot-row cache (see scorer.model.cache.rows) nor "
            + "ruled out by the key filter")
        .register(registry);
    FunctionCounter.builder("wnd.scorer.model.filter.absent", model, m -> m.store().filteredAbsent())
        .description("sparse rows the model's key filter ruled out (in no version): neither cached nor read")
        .register(registry);
    Gauge.builder("wnd.scorer.model.cache.size", model, m -> m.store().cachedRows())
        .description("rows in the hot-row cache (at most scorer.model.cache.rows; a full cache adds no more)").register(registry);
    Gauge.builder("wnd.scorer.model.age.seconds", model, m -> m.ageSeconds())
        .description("seconds since the version in service was created (NaN: none)").register(registry);
    for (String o : new String[] {POSITIVE, NEGATIVE, DUPLICATE_CLICK, DUPLICATE_IMPRESSION, CLICK_OUTSIDE_WINDOW,
        ORPHAN_CLICK, LATE_CLICK}) {
      counter(o);
    }
  }

  /** @return the registry */
  public MeterRegistry registry() {
    return registry;
  }

  /**
   * Counts scored impressions.
   *
   * @param n how many
   * @param nanos time they took to encode and score, in total
   */
  public void scored(int n, long nanos) {
    scored.increment(n);
    if (n > 0) {
      latency.record(nanos / n, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
  }

  /**
   * Counts instances scored over HTTP: not impressions, so not in {@link #scoredCount()}.
   *
   * @param n how many
   * @param nanos time they took to encode and score, in total
   */
  public void predicted(int n, long nanos) {
    predicted.increment(n);
    if (n > 0) {
      latency.record(nanos / n, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
  }

  /** @return instances scored over HTTP so far */
  public double predictedCount() {
    return predicted.count();
  }

  /** Counts one held impression. */
  public void held() {
    held.increment();
  }

  /** Counts one impression the full held store could not take (scored with the prior as version 0). */
  public void holdOverflow() {
    holdOverflow.increment();
  }

  /** @return impressions scored with the prior because the held store was full, so far */
  public double holdOverflowCount() {
    return holdOverflow.count();
  }

  /** Counts one click read before its impression (it waits for it: not an outcome, its impression decides). */
  public void earlyClick() {
    earlyClicks.increment();
  }

  /** @return clicks read before their impression so far */
  public double earlyClickCount() {
    return earlyClicks.count();
  }

  /** @param outcome one of this class's outcome constants; counted once */
  public void outcome(String outcome) {
    counter(outcome).increment();
  }

  private Counter counter(String outcome) {
    return outcomes.computeIfAbsent(outcome, o -> Counter.builder("wnd.scorer.join.outcomes").tag("outcome", o)
        .description("label-join outcomes").register(registry));
  }

  /** @param outcome an outcome constant @return its count so far */
  public double outcomeCount(String outcome) {
    Counter c = outcomes.get(outcome);
    return c == null ? 0 : c.count();
  }

  /** @return impressions scored so far */
  public double scoredCount() {
    return scored.count();
  }

  /** Registers a counter for every dead-letter reason seen so far (call before a scrape). */
  public void refreshDeadLetters() {
    for (String reason : deadLetters.counts().keySet()) {
      if (reasons.add(reason)) {
        FunctionCounter.builder("wnd.scorer.dead.letters", deadLetters,
            d -> d.counts().getOrDefault(reason, 0L)).tag("reason", reason)
            .description("records sent to the dead-letter topic").register(registry);
      }
    }
  }
}

package io.wnd.cli.demo;

import io.wnd.avro.LabelledExample;
import io.wnd.avro.Score;
import io.wnd.schemas.topics.Topics;
import io.wnd.schemas.wire.AvroSerde;
import io.wnd.state.metrics.StreamMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the topics the way a user would: one {@code read_committed} consumer, from the end offsets at start,
 * counts impressions, scores, labelled examples and dead letters, records every score's latency (impression
 * event time, which the demo's paced replay makes the moment it was produced, to the score's {@code scored_at})
 * in HdrHistograms, and the served predictions' AUC and log loss against their labels. Thread-safe:
 * {@link #drain} hands out what one interval saw.
 */
public final class Monitor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Monitor.class);
  private static final long MAX_MS = 3_600_000L;

  /** What one interval saw; filled by the monitor's thread under its lock, read after {@link #drain}. */
  public static final class Interval {
    /** Impressions committed on the topic. */
    public long impressions;
    /** Scores committed. */
    public long scores;
    /** Labelled examples committed. */
    long examples;
    /** Of which positive. */
    long positives;
    /** Dead letters written, by any app. */
    long deadLetters;
    /** Impression produced to score produced, ms. */
    public final Histogram scoreLatency = new Histogram(MAX_MS, 3);
    /** Impression produced to score read by a read_committed consumer, ms. */
    public final Histogram visibleLatency = new Histogram(MAX_MS, 3);
  }

  private final Map<String, Object> clientConfig;
  private final String impressions;
  private final String scores;
  private final String examples;
  private final boolean readExamples;
  private final String deadLetter;
  private final AvroSerde<Score> scoreSerde;
  private final AvroSerde<LabelledExample> exampleSerde;
  private final Histogram totalLatency = new Histogram(MAX_MS, 3);
  private final Histogram totalVisible = new Histogram(MAX_MS, 3);
  private final Histogram steadyLatency = new Histogram(MAX_MS, 3);
  private long steadyFromMillis = Long.MAX_VALUE;
  private final Set<Long> versionsScoring = new TreeSet<>();
  private final StreamMetrics totalServed = new StreamMetrics();
  private final Map<Long, StreamMetrics> servedByVersion = new TreeMap<>();
  private final TreeMap<Long, StreamMetrics> servedBySecond = new TreeMap<>();
  private Interval current = new Interval();
  // phases by event time (phasesFromFirstEvent): bounds relative to the first event time seen, set when it comes
  private long[] phaseOffsets = new long[0];
  private long phaseOrigin = Long.MIN_VALUE;
  private Interval[] phases = new Interval[0];
  private long totalImpressions;
  private long totalScores;
  private long totalExamples;
  private long totalDeadLetters;
  private KafkaConsumer<byte[], byte[]> consumer;
  private Thread thread;
  private volatile boolean stopping;
  private volatile Throwable failure;

  /**
   * @param clientConfig Kafka client settings
   * @param topics the topic registry
   */
  public Monitor(Map<String, Object> clientConfig, Topics topics) {
    this(clientConfig, topics, true);
  }

  /**
   * @param clientConfig the client settings
   * @param topics the topics
   * @param readExamples whether to read the labelled examples (the served metrics); a benchmark that only times
   *     scores leaves them out: decoding every example costs a CPU share that the measured scorer would miss
   */
  public Monitor(Map<String, Object> clientConfig, Topics topics, boolean readExamples) {
    this.readExamples = readExamples;
    this.clientConfig = clientConfig;
    this.impressions = topics.name(Topics.IMPRESSIONS);
    this.scores = topics.name(Topics.SCORES);
    this.examples = topics.name(Topics.EXAMPLES);
    this.deadLetter = topics.name(Topics.DEAD_LETTER);
    Topics.Serdes serdes = Topics.serdes(null);
    this.scoreSerde = serdes.scores();
    this.exampleSerde = serdes.examples();
  }

  /** Assigns every partition at its end offset (so only this run's records count), then reads in a thread. */
  public void start() {
    Map<String, Object> cfg = new HashMap<>(clientConfig);
    cfg.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    cfg.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    cfg.put(ConsumerConfig.CLIENT_ID_CONFIG, "wnd-demo-monitor");
    cfg.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
    consumer = new KafkaConsumer<>(cfg, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> parts = new ArrayList<>();
    for (String t : readExamples ? List.of(impressions, scores, examples, deadLetter)
        : List.of(impressions, scores, deadLetter)) {
      consumer.partitionsFor(t, Duration.ofSeconds(30)).forEach(p -> parts.add(new TopicPartition(t, p.partition())));
    }
    consumer.assign(parts);
    consumer.seekToEnd(parts);
    parts.forEach(consumer::position); // resolve the end offsets now, before anything is produced
    thread = new Thread(this::loop, "wnd-demo-monitor");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    try {
      while (!stopping) {
        var records = consumer.poll(Duration.ofMillis(100));
        long now = System.currentTimeMillis();
        synchronized (this) {
          for (ConsumerRecord<byte[], byte[]> r : records) {
            take(r, now);
          }
        }
      }
    } catch (WakeupException | InterruptException e) {
      // stopping
    } catch (RuntimeException e) {
      failure = e;
      LOG.error("the demo's monitor stopped: {}", e.toString(), e);
    } finally {
      consumer.close();
    }
  }

  private void take(ConsumerRecord<byte[], byte[]> r, long now) {
    String topic = r.topic();
    Interval c = current;
    if (topic.equals(impressions)) {
      totalImpressions++;
      c.impressions++;
      // a replayer's record timestamp is the impression's event time
      Interval phase = phaseOf(r.timestamp());
      if (phase != null) {
        phase.impressions++;
      }
    } else if (topic.equals(scores)) {
      Score s = scoreSerde.deserialize(topic, r.value());
      long eventMs = s.getEventTime().toEpochMilli();
      long latency = clamp(s.getScoredAt().toEpochMilli() - eventMs);
      long visible = clamp(now - eventMs);
      c.scoreLatency.recordValue(latency);
      Interval phase = phaseOf(eventMs);
      if (phase != null) {
        phase.scores++;
        phase.scoreLatency.recordValue(latency);
        phase.visibleLatency.recordValue(visible);
      }
      c.visibleLatency.recordValue(visible);
      totalLatency.recordValue(latency);
      if (eventMs >= steadyFromMillis) {
        steadyLatency.recordValue(latency);
      }
      totalVisible.recordValue(visible);
      versionsScoring.add(s.getVersion());
      totalScores++;
      c.scores++;
    } else if (topic.equals(examples)) {
      LabelledExample ex = exampleSerde.deserialize(topic, r.value());
      double p = Math.min(1, Math.max(0, ex.getServedProbability()));
      totalServed.add(p, ex.getLabel());
      servedByVersion.computeIfAbsent(ex.getServedVersion(), v -> new StreamMetrics()).add(p, ex.getLabel());
      servedBySecond.computeIfAbsent(ex.getImpressionTime().toEpochMilli() / 1000, v -> new StreamMetrics())
          .add(p, ex.getLabel());
      totalExamples++;
      c.examples++;
      c.positives += ex.getLabel();
    } else {
      totalDeadLetters++;
      c.deadLetters++;
    }
  }

  private static long clamp(long ms) {
    return Math.max(0, Math.min(MAX_MS, ms));
  }

  /**
   * Sorts the impressions and scores from now on by the impression's event time (an impression's record timestamp,
   * as a replayer sends it; a score's event time), into phases that start at the given offsets from the first such
   * time seen after this call (the origin): phase {@code i} is {@code [origin + offsets[i], origin + offsets[i + 1])}.
   * A paced replay's phases are then told apart by when their impressions were produced, not by when their scores
   * were read, and one replay can run through them all.
   *
   * @param offsetsMs the phases' bounds, ascending, from 0
   * @return the phases ({@code offsetsMs.length - 1}), filled as scores come; read them once the scores are in
   */
  public synchronized Interval[] phasesFromFirstEvent(long... offsetsMs) {
    phaseOffsets = offsetsMs.clone();
    phaseOrigin = Long.MIN_VALUE;
    phases = new Interval[Math.max(0, offsetsMs.length - 1)];
    for (int i = 0; i < phases.length; i++) {
      phases[i] = new Interval();
    }
    return phases.clone();
  }

  /** @return the origin of {@link #phasesFromFirstEvent}, or Long.MIN_VALUE before the first event */
  public synchronized long phaseOrigin() {
    return phaseOrigin;
  }

  private Interval phaseOf(long eventMs) {
    if (phases.length == 0) {
      return null;
    }
    if (phaseOrigin == Long.MIN_VALUE) {
      phaseOrigin = eventMs;
    }
    long t = eventMs - phaseOrigin;
    for (int i = phases.length - 1; i >= 0; i--) {
      if (t >= phaseOffsets[i]) {
        return t < phaseOffsets[i + 1] ? phases[i] : null;
      }
    }
    return null;
  }

  /** @return what was seen since the last call, and starts a new interval */
  public synchronized Interval drain() {
    Interval c = current;
    current = new Interval();
    return c;
  }

  synchronized long impressions() {
    return totalImpressions;
  }

  /** @return scores committed since the start */
  public synchronized long scores() {
    return totalScores;
  }

  synchronized long examples() {
    return totalExamples;
  }

  synchronized long deadLetters() {
    return totalDeadLetters;
  }

  /** @return every model version that scored an impression (0: the prior) */
  synchronized Set<Long> versionsScoring() {
    return new TreeSet<>(versionsScoring);
  }

  /** @return a copy of the score latency over the whole run, ms */
  synchronized Histogram latency() {
    return totalLatency.copy();
  }

  /** @param millis impressions produced from this wall-clock time on also count in {@link #steadyLatency()} */
  synchronized void steadyFrom(long millis) {
    steadyFromMillis = millis;
  }

  /** @return a copy of the score latency of the impressions produced after the warm-up, ms */
  synchronized Histogram steadyLatency() {
    return steadyLatency.copy();
  }

  /** @return a copy of the visible latency over the whole run, ms */
  synchronized Histogram visibleLatency() {
    return totalVisible.copy();
  }

  /** @return the served predictions against their labels, over the whole run */
  synchronized StreamMetrics.Snapshot served() {
    return totalServed.snapshot();
  }

  /** @return the served predictions against their labels, by the version that served them */
  synchronized Map<Long, StreamMetrics.Snapshot> servedByVersion() {
    Map<Long, StreamMetrics.Snapshot> m = new TreeMap<>();
    servedByVersion.forEach((v, sm) -> m.put(v, sm.snapshot()));
    return m;
  }

  /**
   * The served predictions of the impressions produced in a time range, against their labels. Grouped by the
   * impression's time, not the label's: positives are labelled when their click comes, negatives only when the
   * window closes, so the examples labelled in one second are positives and negatives from different times,
   * served by different versions - their AUC would measure the versions' drift, not the ranking.
   *
   * @param fromMillis impressions produced from (inclusive), wall clock
   * @param toMillis to (exclusive)
   * @return their metrics
   */
  synchronized StreamMetrics servedImpressions(long fromMillis, long toMillis) {
    StreamMetrics m = new StreamMetrics();
    servedBySecond.subMap(fromMillis / 1000, toMillis / 1000).values().forEach(m::merge);
    servedBySecond.headMap(fromMillis / 1000 - 60).clear();
    return m;
  }

  /** @return why the monitor stopped, or null */
  public Throwable failure() {
    return failure;
  }

  @Override
  public void close() {
    stopping = true;
    if (consumer != null) {
      consumer.wakeup();
    }
    if (thread != null) {
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}

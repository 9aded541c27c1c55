package io.wnd.scorer;

import io.wnd.avro.LabelledExample;
import io.wnd.schemas.deadletter.DeadLetters;
import io.wnd.schemas.topics.Topics;
import io.wnd.scorer.internals.EventTimeExtractor;
import io.wnd.scorer.internals.JoinProcessor;
import io.wnd.scorer.internals.ReceivedImpression;
import io.wnd.scorer.internals.ScoreProcessor;
import io.wnd.scorer.internals.StoreSerdes;
import io.wnd.state.spec.FeatureSpec;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.AutoOffsetReset;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The scorer's topology, built by a pure factory (no I/O, no static state) that the tests reuse with
 * {@code TopologyTestDriver}:
 *
 * <pre>
 *  impressions-source ─► score ──────────────────────────► scores-sink      (wnd.scores)
 *                          │ (scored impressions)
 *  clicks-source ──────► label-join ─────────────────────► examples-sink    (wnd.examples)
 *                                   └────────────────────► dead-letter-sink (wnd.dead-letter: orphan/late clicks,
 *                                                                            impressions that do not fit the spec)
 * </pre>
 *
 * <p>Both sources use the event time in the record ({@link EventTimeExtractor}), so stream time is event
 * time. Stores, all persistent (RocksDB) and logged: {@link #HELD_STORE} (impressions waiting for a first
 * model version under the hold policy), {@link #JOIN_STORE} (impressions whose example is pending or was
 * sent, by id), {@link #EARLY_CLICKS_STORE} (clicks that arrived before their impression) and
 * {@link #EXPIRY_STORE} (what happens at which time of the join's clock, the latest event time of the impressions
 * scored: per kind, in time order).
 */
public final class ScorerTopology {
  /** Source of impressions. */
  public static final String IMPRESSIONS_SOURCE = "impressions-source";
  /** Source of clicks. */
  public static final String CLICKS_SOURCE = "clicks-source";
  /** The scoring processor. */
  public static final String SCORE_PROCESSOR = "score";
  /** The label-join processor. */
  public static final String JOIN_PROCESSOR = "label-join";
  /** Sink of scores. */
  public static final String SCORES_SINK = "scores-sink";
  /** Sink of labelled examples. */
  public static final String EXAMPLES_SINK = "examples-sink";
  /** Sink of dead letters from the join. */
  public static final String DEAD_LETTER_SINK = "dead-letter-sink";
  /** Store of held impressions. */
  public static final String HELD_STORE = "scorer-held-impressions";
  /** Store of joined impressions. */
  public static final String JOIN_STORE = "scorer-join-impressions";
  /** Store of clicks waiting for their impression. */
  public static final String EARLY_CLICKS_STORE = "scorer-join-early-clicks";
  /**
   * Store of deadlines by the join's clock: a close key per impression (written once, deleted when the impression is
   * forgotten) and an orphan key per early click. Named apart from the earlier {@code scorer-join-expiry}, whose keys
   * were laid out by time first: a scorer of an earlier version is reset, not upgraded in place.
   */
  public static final String EXPIRY_STORE = "scorer-join-deadlines";

  private ScorerTopology() {}

  /**
   * What the topology needs to know.
   *
   * @param topics the topic registry
   * @param spec the feature spec
   * @param modelName the model's name, stamped in every score
   * @param windowMs attribution window in event time, ms (&ge; 1)
   * @param graceMs grace for late records, ms (&ge; 0)
   * @param punctuateMs how often (ms of the impressions' event time) the join looks for closed windows
   * @param priorRate the prior served as version 0 before any version; NaN to hold impressions instead
   * @param holdCheckMs how often (wall clock, ms) held impressions are scored if a version arrived
   * @param maxAheadMs the largest lead of an event time over the wall clock, ms (&ge; 0): later ones are
   *     dead-lettered rather than moving stream time ahead
   * @param holdMax under the hold policy, the most impressions one task holds (&ge; 0); when full, an impression
   *     is scored with {@code holdOverflowRate} as version 0 instead of being held
   * @param holdOverflowRate the prior served to an impression the full held store cannot take, in (0, 1)
   */
  public record Settings(Topics topics, FeatureSpec spec, String modelName, long windowMs, long graceMs,
      long punctuateMs, double priorRate, long holdCheckMs, long maxAheadMs, long holdMax, double holdOverflowRate) {
    /** The default of {@code maxAheadMs}: 15 minutes. */
    public static final long DEFAULT_MAX_AHEAD_MS = 900_000L;
    /** The default of {@code holdMax}: 100,000 impressions per task. */
    public static final long DEFAULT_HOLD_MAX = 100_000L;
    /** The default of {@code holdOverflowRate}: 0.25, the default prior. */
    public static final double DEFAULT_HOLD_OVERFLOW_RATE = 0.25;

    /** Validates. */
    public Settings {
      if (windowMs < 1 || graceMs < 0 || punctuateMs < 1 || holdCheckMs < 1 || maxAheadMs < 0 || holdMax < 0) {
        throw new IllegalArgumentException("window >= 1, grace >= 0, max ahead >= 0, hold max >= 0 and intervals "
            + ">= 1 ms required, got window " + windowMs + ", grace " + graceMs + ", punctuate " + punctuateMs
            + ", hold check " + holdCheckMs + ", max ahead " + maxAheadMs + ", hold max " + holdMax);
      }
      if (!Double.isNaN(priorRate) && !(priorRate > 0 && priorRate < 1)) {
        throw new IllegalArgumentException("prior rate must be in (0, 1) or NaN (hold), got " + priorRate);
      }
      if (!(holdOverflowRate > 0 && holdOverflowRate < 1)) {
        throw new IllegalArgumentException("hold overflow rate must be in (0, 1), got " + holdOverflowRate);
      }
    }

    /**
     * Settings with the default {@link #DEFAULT_HOLD_MAX} and {@link #DEFAULT_HOLD_OVERFLOW_RATE}.
     *
     * @param topics the topic registry
     * @param spec the feature spec
     * @param modelName the model's name
     * @param windowMs attribution window, ms
     * @param graceMs grace, ms
     * @param punctuateMs how often the join looks for closed windows, ms of the impressions' event time
     * @param priorRate the prior, or NaN to hold
     * @param holdCheckMs hold check interval, wall-clock ms
     * @param maxAheadMs the largest lead of an event time over the wall clock, ms
     */
    public Settings(Topics topics, FeatureSpec spec, String modelName, long windowMs, long graceMs, long punctuateMs,
        double priorRate, long holdCheckMs, long maxAheadMs) {
      this(topics, spec, modelName, windowMs, graceMs, punctuateMs, priorRate, holdCheckMs, maxAheadMs,
          DEFAULT_HOLD_MAX, DEFAULT_HOLD_OVERFLOW_RATE);
    }

    /**
     * Settings with the default {@link #DEFAULT_MAX_AHEAD_MS}.
     *
     * @param topics the topic registry
     * @param spec the feature spec
     * @param modelName the model's name
     * @param windowMs attribution window, ms
     * @param graceMs grace, ms
     * @param punctuateMs how often the join looks for closed windows, ms of the impressions' event time
     * @param priorRate the prior, or NaN to hold
     * @param holdCheckMs hold check interval, wall-clock ms
     */
    public Settings(Topics topics, FeatureSpec spec, String modelName, long windowMs, long graceMs, long punctuateMs,
        double priorRate, long holdCheckMs) {
      this(topics, spec, modelName, windowMs, graceMs, punctuateMs, priorRate, holdCheckMs, DEFAULT_MAX_AHEAD_MS);
    }

    /**
     * Why an event time cannot be processed, or null if it can.
     *
     * @param eventTime the event time, ms since the epoch
     * @param wallClockMs the wall clock now, ms since the epoch
     * @return a {@code NegativeEventTimeException} or {@code FutureEventTimeException}, or null
     */
    public RuntimeException eventTimeProblem(long eventTime, long wallClockMs) {
      if (eventTime < 0) {
        return new BadInput.NegativeEventTimeException("event time " + eventTime + " ms is before 1970 "
            + "(Kafka timestamps cannot be negative)");
      }
      if (eventTime - maxAheadMs > wallClockMs) {
        return new BadInput.FutureEventTimeException("event time too far in the future: "
            + java.time.Instant.ofEpochMilli(eventTime) + " is more than " + maxAheadMs + " ms ahead of the wall clock ("
            + java.time.Instant.ofEpochMilli(wallClockMs) + ")");
      }
      return null;
    }

    /** @return true if impressions are held before any version */
    public boolean hold() {
      return Double.isNaN(priorRate);
    }
  }

  /**
   * Builds the topology.
   *
   * @param settings what it needs to know
   * @param serdes the topics' value serdes
   * @param model the served model
   * @param metrics where counts go
   * @param deadLetters builds and counts the join's dead letters
   * @return the topology
   */
  public static Topology create(Settings settings, Topics.Serdes serdes, ModelProvider model, ScorerMetrics metrics,
      DeadLetters deadLetters) {
    Topics topics = settings.topics();
    StoreSerdes storeSerdes = new StoreSerdes();
    Topology t = new Topology();
    t.addSource(AutoOffsetReset.earliest(), IMPRESSIONS_SOURCE, new EventTimeExtractor(settings.maxAheadMs()), new StringDeserializer(),
        ReceivedImpression.deserializer(serdes.impressions()), topics.name(Topics.IMPRESSIONS));
    t.addSource(AutoOffsetReset.earliest(), CLICKS_SOURCE, new EventTimeExtractor(settings.maxAheadMs()), new StringDeserializer(), serdes.clicks(),
        topics.name(Topics.CLICKS));
    t.addProcessor(SCORE_PROCESSOR, () -> new ScoreProcessor(settings, serdes, model, metrics, deadLetters), IMPRESSIONS_SOURCE);
    t.addProcessor(JOIN_PROCESSOR, () -> new JoinProcessor(settings, serdes, metrics, deadLetters), SCORE_PROCESSOR,
        CLICKS_SOURCE);
    t.addSink(SCORES_SINK, topics.name(Topics.SCORES), new StringSerializer(), serdes.scores(), SCORE_PROCESSOR);
    // a negative is sent as the bytes the join stored (already the examples topic's encoding), a positive as a record
    Serializer<Object> examples = (topic, v) -> v instanceof byte[] encoded ? encoded
        : serdes.examples().serialize(topic, (LabelledExample) v);
    t.addSink(EXAMPLES_SINK, topics.name(Topics.EXAMPLES), new StringSerializer(), examples, JOIN_PROCESSOR);
    t.addSink(DEAD_LETTER_SINK, topics.name(Topics.DEAD_LETTER), new ByteArraySerializer(), new ByteArraySerializer(),
        SCORE_PROCESSOR, JOIN_PROCESSOR);
    t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(HELD_STORE), Serdes.String(),
        serdes.impressions()), SCORE_PROCESSOR, JOIN_PROCESSOR);
    t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(JOIN_STORE), Serdes.String(),
        storeSerdes.joinEntry()), SCORE_PROCESSOR, JOIN_PROCESSOR);
    t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(EARLY_CLICKS_STORE), Serdes.String(),
        storeSerdes.earlyClick()), JOIN_PROCESSOR);
    t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(EXPIRY_STORE), Serdes.Bytes(),
        Serdes.ByteArray()), SCORE_PROCESSOR, JOIN_PROCESSOR);
    return t;
  }
}

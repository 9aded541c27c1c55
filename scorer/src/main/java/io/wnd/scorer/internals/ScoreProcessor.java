package io.wnd.scorer.internals;

import io.wnd.avro.Impression;
import io.wnd.avro.Score;
import io.wnd.schemas.deadletter.DeadLetters;
import io.wnd.schemas.topics.Topics;
import io.wnd.scorer.BadInput;
import io.wnd.scorer.ModelProvider;
import io.wnd.scorer.ScorerMetrics;
import io.wnd.scorer.ScorerTopology;
import io.wnd.state.model.ForwardPass;
import io.wnd.state.store.ModelView;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores impressions: encode, forward pass with the version in service, a {@link Score} to the scores sink
 * (the version stamped in it) and a {@link Scored} to the join. Before any version: the prior as version 0,
 * or the impression is held in {@link ScorerTopology#HELD_STORE} and scored, in id order, as soon as a
 * version exists (checked on every impression and on a wall-clock punctuation); at most
 * {@link ScorerTopology.Settings#holdMax()} are held per task, and when that store is full a further impression is
 * scored with {@link ScorerTopology.Settings#holdOverflowRate()} as version 0 and counted. A second impression with an
 * id the join still knows is dropped and counted. An impression the encoder refuses (a feature record that
 * does not fit the spec) goes to the dead-letter topic, and so does one with no id, an event time before 1970
 * or too far ahead of the wall clock, or one older than the join remembers ids (see
 * {@link io.wnd.scorer.BadInput}).
 */
public final class ScoreProcessor implements Processor<String, Impression, Object, Object> {
  private static final Logger LOG = LoggerFactory.getLogger(ScoreProcessor.class);

  private final ScorerTopology.Settings settings;
  private final ModelProvider model;
  private final ScorerMetrics metrics;
  private final DeadLetters deadLetters;
  private final Topics.Serdes serdes;
  private final double priorLogit;
  private final double overflowLogit;
  private boolean overflowLogged;
  private ProcessorContext<Object, Object> context;
  private KeyValueStore<String, Impression> held;
  private KeyValueStore<String, JoinEntry> joined;
  private ViewScorer scorer;
  private long heldCount;
  /**
   * The latest event time of the impressions this task scored: the join's clock ({@link JoinProcessor}), which
   * forgets ids by it. It starts at the join's clock at its last punctuation before a restart.
   */
  private long impressionClock;

  /**
   * @param settings the topology's settings
   * @param serdes the topics' serdes (to dead-letter the original bytes)
   * @param model the served model
   * @param metrics where counts go
   * @param deadLetters builds dead letters
   */
  public ScoreProcessor(ScorerTopology.Settings settings, Topics.Serdes serdes, ModelProvider model,
      ScorerMetrics metrics, DeadLetters deadLetters) {
    this.settings = settings;
    this.serdes = serdes;
    this.model = model;
    this.metrics = metrics;
    this.deadLetters = deadLetters;
    this.priorLogit = settings.hold() ? Double.NaN : Math.log(settings.priorRate() / (1 - settings.priorRate()));
    this.overflowLogit = Math.log(settings.holdOverflowRate() / (1 - settings.holdOverflowRate()));
  }

  @Override
  public void init(ProcessorContext<Object, Object> ctx) {
    this.context = ctx;
    this.held = ctx.getStateStore(ScorerTopology.HELD_STORE);
    this.joined = ctx.getStateStore(ScorerTopology.JOIN_STORE);
    this.impressionClock = JoinProcessor.closeCursor(ctx.getStateStore(ScorerTopology.EXPIRY_STORE));
    this.scorer = new ViewScorer(settings.spec(), model);
    // counted from the store: Kafka Streams may init a processor again after closing it (a task revived)
    heldCount = 0;
    overflowLogged = false;
    try (KeyValueIterator<String, Impression> it = held.all()) {
      while (it.hasNext()) {
        it.next();
        heldCount++;
      }
    }
    if (heldCount > 0) {
      LOG.info("task {}: {} impressions held until a model version exists", ctx.taskId(), heldCount);
    }
    ctx.schedule(Duration.ofMillis(settings.holdCheckMs()), PunctuationType.WALL_CLOCK_TIME, now -> {
      if (heldCount > 0 && scorer.refresh() != null) {
        flushHeld();
      }
    });
  }

  @Override
  public void process(Record<String, Impression> record) {
    Impression imp = record.value();
    if (imp == null) {
      return; // a tombstone: nothing to score
    }
    String id = record.key() != null && !record.key().isEmpty() ? record.key() : imp.getId();
    long now = context.currentSystemTimeMs();
    long t = imp.getEventTime().toEpochMilli();
    RuntimeException bad = BadInput.idProblem(id, "impression");
    if (bad == null) {
      bad = settings.eventTimeProblem(t, now);
    }
    if (bad == null) {
      bad = BadInput.sizeProblem((org.apache.avro.generic.IndexedRecord) imp.getFeatures());
    }
    if (bad != null) {
      deadLetter(id == null ? "" : id, imp, record, now, bad);
      return;
    }
    if (joined.get(id) != null || (heldCount > 0 && held.get(id) != null)) {
      metrics.outcome(ScorerMetrics.DUPLICATE_IMPRESSION);
      return;
    }
    long memory = 2 * settings.windowMs() + settings.graceMs();
    if (impressionClock - t >= memory) {
      // the join forgets ids this old: it could not tell a duplicate from a first sighting
      deadLetter(id, imp, record, now, new BadInput.ExpiredImpressionException("impression " + id + " at "
          + Instant.ofEpochMilli(t) + " is older than the latest impression scored (at "
          + Instant.ofEpochMilli(impressionClock) + ") minus two attribution windows and the grace (" + memory
          + " ms): its window is closed and the join no longer remembers whether it was scored"));
      return;
    }
    ModelView view = scorer.refresh();
    if (view == null && settings.hold()) {
      if (heldCount < settings.holdMax()) {
        held.put(id, imp);
        heldCount++;
        metrics.held();
        return;
      }
      // the held store is full: serve the prior now rather than grow it (and its changelog) without bound
      if (!overflowLogged) {
        overflowLogged = true;
        LOG.warn("task {}: {} impressions held (scorer.hold.max.impressions) and still no model version: further "
            + "impressions are scored with the prior {} as version 0 and counted in wnd.scorer.hold.overflow",
            context.taskId(), heldCount, settings.holdOverflowRate());
      }
      metrics.holdOverflow();
      score(id, imp, null, record, overflowLogit);
      return;
    }
    if (heldCount > 0) {
      flushHeld();
    }
    score(id, imp, view, record, priorLogit);
  }

  private void flushHeld() {
    List<KeyValue<String, Impression>> all = new ArrayList<>();
    try (KeyValueIterator<String, Impression> it = held.all()) {
      it.forEachRemaining(all::add);
    }
    ModelView view = scorer.view();
    LOG.info("task {}: scoring {} held impressions with v{}", context.taskId(), all.size(), view.version().version());
    for (KeyValue<String, Impression> kv : all) {
      JoinProcessor.remove(held, kv.key);
      Record<String, Impression> heldRecord =
          new Record<>(kv.key, kv.value, kv.value.getEventTime().toEpochMilli());
      score(kv.key, kv.value, view, heldRecord, priorLogit);
    }
    heldCount = 0;
    overflowLogged = false;
  }

  private void score(String id, Impression imp, ModelView view, Record<String, Impression> record, double prior) {
    long start = System.nanoTime();
    double logit;
    long version;
    String modelName;
    if (view == null) {
      logit = prior;
      version = 0;
      modelName = settings.modelName();
    } else {
      try {
        logit = scorer.logit((org.apache.avro.generic.IndexedRecord) imp.getFeatures());
      } catch (IllegalArgumentException e) {
        deadLetter(id, imp, record, record.timestamp(), e);
        return;
      }
      version = view.version().version();
      modelName = view.version().model();
    }
    double p = ForwardPass.sigmoid(logit);
    long eventTime = imp.getEventTime().toEpochMilli();
    Score score = new Score(id, p, logit, modelName, version, imp.getEventTime(),
        Instant.ofEpochMilli(System.currentTimeMillis()));
    metrics.scored(1, System.nanoTime() - start);
    context.forward(new Record<Object, Object>(id, score, eventTime, record.headers()), ScorerTopology.SCORES_SINK);
    context.forward(new Record<Object, Object>(id, new Scored(imp, score), eventTime), ScorerTopology.JOIN_PROCESSOR);
    impressionClock = Math.max(impressionClock, eventTime);
  }

  private void deadLetter(String id, Impression imp, Record<String, Impression> record, long timestamp, Exception e) {
    var md = context.recordMetadata();
    var source = new DeadLetters.Source(md.map(m -> m.topic()).orElse(settings.topics().name(Topics.IMPRESSIONS)),
        md.map(m -> m.partition()).orElse(-1), md.map(m -> m.offset()).orElse(-1L));
    LOG.warn("dead letter: {}-{} offset {}: impression '{}': {}", source.topic(),
        source.partition(), source.offset(), id, e.getMessage());
    // the bytes as read (in the producer's schema); an impression from the held store has only its decoded form
    byte[] original = imp instanceof ReceivedImpression r ? r.bytes() : serdes.impressions().serialize(source.topic(), imp);
    var dlq = deadLetters.record(source, id.getBytes(StandardCharsets.UTF_8), original, record.headers(),
        "scorer.score", e);
    context.forward(new Record<Object, Object>(dlq.key(), dlq.value(), timestamp, dlq.headers()),
        ScorerTopology.DEAD_LETTER_SINK);
  }

  @Override
  public void close() {
    if (scorer != null) {
      scorer.close();
    }
  }
}

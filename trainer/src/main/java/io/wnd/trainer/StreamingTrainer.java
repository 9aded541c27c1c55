package io.wnd.trainer;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wnd.avro.LabelledExample;
import io.wnd.schemas.deadletter.DeadLetters;
import io.wnd.schemas.deadletter.DecodeOrDeadLetter;
import io.wnd.schemas.topics.Topics;
import io.wnd.state.encode.Encoder;
import io.wnd.state.metrics.StreamMetrics;
import io.wnd.state.model.WideDeepModel;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.version.ModelVersion;
import io.wnd.state.version.Rollback;
import io.wnd.state.version.TableSink;
import io.wnd.state.version.VersionPublisher;
import io.wnd.state.version.VersionReader;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The continuous trainer ({@code wnd train}): restores the latest version of its model from the models
 * topic, resumes the examples topic exactly after the examples that version contains, and then loops:
 * mini-batches are scored before they are trained on (progressive validation), trained, and every
 * {@code publishEveryExamples} examples or {@code publishEvery} (whichever comes first) a version is
 * published in ONE transaction with the consumed offsets, so after a crash nothing is trained twice or
 * skipped. One active trainer per model: a second one fences the first through the transactional id.
 */
public final class StreamingTrainer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StreamingTrainer.class);

  /**
   * How the trainer runs.
   *
   * @param spec the feature spec of a new model (a restored model keeps its own)
   * @param model model name
   * @param publishEveryExamples publish after this many examples
   * @param publishEvery publish after this much time, if any example arrived
   */
  public record Settings(FeatureSpec spec, String model, long publishEveryExamples, Duration publishEvery) {}

  /**
   * What one published version was.
   *
   * @param version the version
   * @param examplesSeen examples trained on in total
   * @param metrics progressive metrics over the examples since the previous version
   * @param published its cost
   * @param examplesPerSecond the examples of its window over the wall time since the previous version
   */
  public record Published(long version, long examplesSeen, StreamMetrics.Snapshot metrics,
      VersionPublisher.Published published, double examplesPerSecond) {}

  private final Map<String, Object> clientConfig;
  private final Topics topics;
  private final Settings settings;
  private final Clock clock;
  private final TrainerMetrics metrics;
  private volatile boolean stopRequested;
  private volatile boolean running;
  private long windowStartNanos;
  /** The deltas of the last version, refilled by the next (published synchronously: nothing holds them after). */
  private Changes drained;
  private volatile long versionsPublished; // read by other threads (the demo's live view)
  private volatile long examplesTrained;
  private long lastVersion; // the version this trainer restored or published last

  /**
   * @param clientConfig Kafka client settings
   * @param topics the registry
   * @param settings how to run
   * @param clock time for id expiry
   */
  public StreamingTrainer(Map<String, Object> clientConfig, Topics topics, Settings settings, Clock clock) {
    this(clientConfig, topics, settings, clock, new TrainerMetrics(new SimpleMeterRegistry()));
  }

  /**
   * @param clientConfig Kafka client settings
   * @param topics the registry
   * @param settings how to run
   * @param clock time for id expiry
   * @param metrics where examples, versions and their progressive metrics are recorded
   */
  public StreamingTrainer(Map<String, Object> clientConfig, Topics topics, Settings settings, Clock clock,
      TrainerMetrics metrics) {
    this.clientConfig = Map.copyOf(clientConfig);
    this.topics = topics;
    this.settings = settings;
    this.clock = clock;
    this.metrics = metrics;
  }

  /** @return whether {@link #run} is running (restoring or training) */
  public boolean running() {
    return running;
  }

  /** Asks {@link #run} to publish what it has trained and return. */
  public void stop() {
    stopRequested = true;
  }

  /** @return versions published by this run */
  public long versionsPublished() {
    return versionsPublished;
  }

  /** @return examples trained by this run */
  public long examplesTrained() {
    return examplesTrained;
  }

  /**
   * Restores, then trains until {@link #stop}.
   *
   * @param onVersion called after each published version
   * @return the last version in service (restored or published)
   */
  public long run(Consumer<Published> onVersion) {
    running = true;
    try {
      while (true) {
        try {
          return runOnce(onVersion);
        } catch (KafkaException e) {
          if (!fenced(e) || stopRequested || !awaitRollback()) {
            throw e;
          }
          // a rollback took over the model: restore its version and resume with a new producer
        }
      }
    } finally {
      running = false;
    }
  }

  private static boolean fenced(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof org.apache.kafka.common.errors.ProducerFencedException
          || t instanceof org.apache.kafka.common.errors.InvalidProducerEpochException) {
        return true;
      }
    }
    return false;
  }

  /**
   * Fenced: waits for the publisher that took over. A rollback version (its manifest names the version it
   * restores) means resume from it; another trainer's version, or none in time, means this one must stop.
   */
  private boolean awaitRollback() {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    LOG.warn("{}: another publisher took over the model; waiting for its version", settings.model());
    while (System.nanoTime() < deadline && !stopRequested) {
      TableSink head = new TableSink();
      try (VersionReader reader = new VersionReader(clientConfig, topics, settings.model(), head).ignoringPins()) {
        if (reader.catchUp(Duration.ofMinutes(1)) > lastVersion) {
          if (head.version().metrics().containsKey(Rollback.ROLLED_BACK_FROM)) {
            LOG.warn("{} rolled back to v{} as v{}: restoring it and resuming", settings.model(),
                head.version().metrics().get(Rollback.ROLLED_BACK_FROM).longValue(), head.version().version());
            return true;
          }
          LOG.error("{} v{} was published by another trainer: this one stops", settings.model(), head.version().version());
          return false;
        }
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  private long runOnce(Consumer<Published> onVersion) {
    String examplesTopic = topics.name(Topics.EXAMPLES);
    TableSink restored = new TableSink();
    long version;
    // the latest version, also while scorers are pinned to an earlier one: the next is numbered after it
    try (VersionReader reader = new VersionReader(clientConfig, topics, settings.model(), restored).ignoringPins()) {
      version = reader.catchUp(Duration.ofMinutes(10));
    }
    lastVersion = version;
    WideDeepModel model;
    Map<TopicPartition, Long> resumeAt = new HashMap<>();
    long examplesSeen = 0;
    if (version > 0) {
      model = restored.model();
      resumeAt.putAll(restored.version().consumed());
      examplesSeen = restored.version().examplesSeen();
      LOG.info("restored {} v{} ({} rows, {} examples); resuming {} at {}", settings.model(), version, restored.rows(),
          examplesSeen, examplesTopic, resumeAt);
    } else {
      model = WideDeepModel.create(settings.spec());
      LOG.info("no version of {} yet: starting a new model from spec {}", settings.model(), settings.spec().name());
    }
    metrics.restored(version);
    FeatureSpec spec = model.spec();
    WideDeepTrainer trainer = new WideDeepTrainer(model, clock);
    // the trainer copied the restored sparse tables into its own: let the restored ones be collected
    model = null;
    restored = null;
    Encoder encoder = new Encoder(spec);
    String txId = Rollback.trainerTransactionalId(settings.model());

    Map<String, Object> consumerCfg = new HashMap<>(clientConfig);
    consumerCfg.put(ConsumerConfig.GROUP_ID_CONFIG, txId);
    consumerCfg.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumerCfg.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    consumerCfg.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, spec.batchSize() * 4);
    DeadLetters deadLetters = new DeadLetters(topics.name(Topics.DEAD_LETTER));
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerCfg, new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
        KafkaProducer<byte[], byte[]> dlq = new KafkaProducer<>(clientConfig, new ByteArraySerializer(),
            new ByteArraySerializer());
        VersionPublisher publisher = new VersionPublisher(clientConfig, topics, txId)) {
      List<PartitionInfo> infos = consumer.partitionsFor(examplesTopic, Duration.ofSeconds(30));
      if (infos == null || infos.isEmpty()) {
        throw new KafkaException("examples topic " + examplesTopic + " does not exist (create it: ./wnd topics create)");
      }
      List<TopicPartition> parts = infos.stream().map(i -> new TopicPartition(examplesTopic, i.partition())).toList();
      consumer.assign(parts);
      for (TopicPartition tp : parts) {
        Long at = resumeAt.get(tp);
        if (at != null) {
          consumer.seek(tp, at);
        } else {
          consumer.seekToBeginning(List.of(tp));
        }
      }
      Map<TopicPartition, Long> trained = new HashMap<>(resumeAt);
      DecodeOrDeadLetter<LabelledExample> decode = new DecodeOrDeadLetter<>(Topics.serdes(null).examples(), deadLetters,
          dlq, "trainer.decode");
      List<Example> batch = new ArrayList<>(spec.batchSize());
      Map<TopicPartition, Long> batchEnd = new HashMap<>();
      StreamMetrics window = new StreamMetrics();
      long sincePublish = 0;
      long lastPublish = System.nanoTime();
      windowStartNanos = lastPublish;
      while (!stopRequested) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          batchEnd.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
          LabelledExample ex = decode.decode(r);
          if (ex != null) {
            batch.add(Example.encode(encoder, (org.apache.avro.generic.IndexedRecord) ex.getFeatures(), ex.getLabel()));
          }
          if (batch.size() == spec.batchSize()) {
            sincePublish += step(trainer, batch, window);
            trained.putAll(batchEnd);
            batchEnd.clear();
          }
        }
        // a partial batch counts too: on a quiet stream the last examples read must not wait for more to come
        boolean due = sincePublish >= settings.publishEveryExamples() || ((sincePublish > 0 || !batch.isEmpty())
            && System.nanoTime() - lastPublish >= settings.publishEvery().toNanos());
        if (due || (stopRequested && !batch.isEmpty())) {
          if (!batch.isEmpty()) {
            sincePublish += step(trainer, batch, window); // a partial batch, so the version holds every example read
            trained.putAll(batchEnd);
            batchEnd.clear();
          }
          examplesSeen += sincePublish;
          version = publish(publisher, consumer, trainer, spec, version, examplesSeen, trained, window, onVersion);
          sincePublish = 0;
          window = new StreamMetrics();
          lastPublish = System.nanoTime();
        }
      }
    }
    return version;
  }

  private long step(WideDeepTrainer trainer, List<Example> batch, StreamMetrics window) {
    double[] p = trainer.train(batch); // the probabilities from before the step: progressive validation
    for (int i = 0; i < p.length; i++) {
      window.add(p[i], batch.get(i).label());
    }
    int n = batch.size();
    examplesTrained += n;
    metrics.trained(n);
    batch.clear();
    return n;
  }

  private long publish(VersionPublisher publisher, KafkaConsumer<byte[], byte[]> consumer, WideDeepTrainer trainer,
      FeatureSpec spec, long parent, long examplesSeen, Map<TopicPartition, Long> trained, StreamMetrics window,
      Consumer<Published> onVersion) {
    trainer.expireIdle();
    Changes changes = drained = trainer.drainChanges(drained);
    StreamMetrics.Snapshot m = window.snapshot();
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("auc", m.auc());
    metrics.put("logloss", m.logLoss());
    metrics.put("calibration", m.calibration());
    metrics.put("examples", (double) m.count());
    long now = System.nanoTime();
    double rate = m.count() / Math.max(1e-9, (now - windowStartNanos) / 1e9);
    windowStartNanos = now;
    metrics.put("examples_per_second", rate);
    metrics.values().removeIf(v -> v.isNaN() || v.isInfinite());
    long v = parent + 1;
    ModelVersion mv = new ModelVersion(settings.model(), v, parent, clock.millis(), examplesSeen, trained, metrics,
        spec.toJson(), trainer.model().tower().toFlat(), 0);
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    trained.forEach((tp, off) -> offsets.put(tp, new OffsetAndMetadata(off)));
    VersionPublisher.Published p = publisher.publish(mv, List.of(changes.wide(), changes.embeddings()), offsets,
        consumer.groupMetadata());
    versionsPublished++;
    lastVersion = v;
    this.metrics.published(v, m, p.bytes(), p.millis(), clock.millis());
    LOG.info("{} v{}: {} examples, progressive auc {} logloss {} calibration {} over {} examples at {} examples/s; "
        + "{} rows changed, {} bytes in {} ms", settings.model(), v, examplesSeen, m.auc(), m.logLoss(), m.calibration(),
        m.count(), Math.round(rate), changes.size(), p.bytes(), p.millis());
    onVersion.accept(new Published(v, examplesSeen, m, p, rate));
    return v;
  }

  @Override
  public void close() {
    stopRequested = true;
  }
}

package io.wnd.state.version;

import io.wnd.avro.DenseChunk;
import io.wnd.avro.ModelControl;
import io.wnd.avro.ModelManifest;
import io.wnd.avro.ModelRecord;
import io.wnd.avro.SparseBlock;
import io.wnd.avro.TopicOffset;
import io.wnd.schemas.topics.Topics;
import io.wnd.schemas.wire.AvroSerde;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one model's versions from the models topic, committed records only, into a {@link VersionSink}.
 *
 * <p>Records of a version are staged as they arrive; the version is committed to the sink only when its
 * manifest arrives, every record's checksum matched, the record count and the checksum chain equal the
 * manifest's, every dense chunk belongs to it, and (once caught up) its parent is the version in service.
 * Otherwise the version is refused with one WARN line saying why, its staged rows are discarded, and the
 * previous version stays in service.
 *
 * <p>{@link #catchUp} rebuilds the latest version from the topic alone: compaction has removed rows that
 * later versions overwrote, so versions before the last one are expected to be incomplete there and are
 * folded into it; the last one must verify completely. Not thread-safe: one thread polls.
 *
 * <p>Holding back: a version that verifies but is pinned out ({@code <model>/control} names an earlier pinned
 * version, see {@link ModelControls}) or fails the {@link QualityGate} is staged, not committed: the version in
 * service stays, and later versions are verified against the held one as their parent. When the pin is lifted
 * (or a later version passes the gate) the held versions are committed folded into one swap. A refused version
 * discards what is held with it. A cold {@link #catchUp} while pinned to an older version than the latest rebuilds
 * the pinned version if every version up to it is still complete on the topic, else serves the latest with a WARN;
 * the gate judges versions arriving after catch-up only (a cold start serves the latest).
 */
public final class VersionReader implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VersionReader.class);

  private final KafkaConsumer<String, byte[]> consumer;
  private final AvroSerde<ModelRecord> serde;
  private final String topic;
  private final String model;
  private final String prefix;
  private final VersionSink sink;
  private final Map<Integer, DenseChunk> dense = new HashMap<>();
  private final ModelRecords.Chain chain = new ModelRecords.Chain();
  private String refusal;
  private long current;
  private long applied;
  private long refused;
  private volatile long held;
  boolean caughtUp;
  // the pin from the control record: null for none
  private volatile Long pinned;
  private QualityGate gate = QualityGate.disabled();
  // the manifest in service and the last verified one (held back when it is newer); null before the first
  private ModelManifest served;
  private ModelManifest head;
  private Map<Integer, DenseChunk> headDense = Map.of();
  private boolean headHeldByGate;
  // catch-up: the highest version such that every version up to it verified completely
  private long buildableUpTo;
  private boolean allComplete;
  private boolean rebuildingPin;
  // false for a publisher's reader (see ignoringPins)
  private boolean followPins = true;

  /**
   * @param clientConfig Kafka client settings
   * @param topics the topic registry
   * @param model the model to read
   * @param sink where versions go
   */
  public VersionReader(Map<String, Object> clientConfig, Topics topics, String model, VersionSink sink) {
    Map<String, Object> cfg = new HashMap<>(clientConfig);
    cfg.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    cfg.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    cfg.remove(ConsumerConfig.GROUP_ID_CONFIG);
    cfg.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 2 * Topics.MODELS_MAX_MESSAGE_BYTES);
    cfg.putIfAbsent(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024);
    cfg.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50_000);
    this.consumer = new KafkaConsumer<>(cfg, new StringDeserializer(), new ByteArrayDeserializer());
    this.serde = Topics.serdes(null).models();
    this.topic = topics.name(Topics.MODELS);
    this.model = model;
    this.prefix = model + "/";
    this.sink = sink;
  }

  /**
   * Reads the topic from its beginning up to its current end and commits the latest complete version.
   *
   * @param timeout how long the catch-up may take
   * @return the version in service afterwards (0 if the topic holds none of this model)
   * @throws KafkaException if the topic is missing or the end is not reached in time
   * @throws IllegalStateException if the latest version on the topic does not verify
   */
  public long catchUp(Duration timeout) {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
    if (infos == null || infos.isEmpty()) {
      throw new KafkaException("models topic " + topic + " does not exist (create it: ./wnd topics create)");
    }
    List<TopicPartition> parts = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
    long deadline = System.nanoTime() + timeout.toNanos();
    caughtUp = false;
    pending = null;
    lastComplete = null;
    buildableUpTo = 0;
    allComplete = true;
    // The stable end moves a moment after a transaction commits (its markers are written asynchronously):
    // read to the end, then look again once, so a version committed just before the start is not missed.
    for (int pass = 0; pass < 2; pass++) {
      Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofSeconds(30));
      while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new KafkaException("models topic " + topic + " not read to its end within " + timeout);
        }
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          handle(r);
        }
      }
      if (pass == 0) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(300))) {
          handle(r);
        }
      }
    }
    if (pending == null && lastComplete != null && chain.count() == 0) {
      // only undecodable or foreign records followed the last complete version: they are no version's start
      LOG.warn("ignored records on {} after {} v{} that belong to no committed version ({})", topic, model,
          lastComplete.getVersion(), refusal == null ? "no valid rows" : refusal);
      ModelManifest complete = lastComplete;
      lastComplete = null;
      commit(complete); // verified completely when the junk began
    }
    lastComplete = null;
    if (pending != null && pinned != null && pinned < pending.getVersion() && current == 0) {
      if (pinned <= buildableUpTo) {
        return rebuildPinned(pinned, deadline);
      }
      LOG.warn("{} is pinned to v{} but the topic {} can no longer rebuild it (a version up to it is incomplete, "
          + "e.g. compacted): serving the latest v{} instead; later versions are held until unpinned", model, pinned,
          topic, pending.getVersion());
    }
    if (pending != null) {
      ModelManifest last = pending;
      pending = null;
      String why = verify(last, true);
      if (why != null) {
        sink.discard();
        throw new IllegalStateException("the latest version v" + last.getVersion() + " of " + model + " on " + topic
            + " is refused: " + why);
      }
      commit(last);
    }
    caughtUp = true;
    LOG.info("caught up on {}: {} in service", topic, current == 0 ? "no version of " + model : model + " v" + current);
    return current;
  }

  private long rebuildPinned(long target, long deadline) {
    sink.discard();
    List<TopicPartition> parts = List.copyOf(consumer.assignment());
    consumer.seekToBeginning(parts);
    dense.clear();
    chain.reset();
    refusal = null;
    pending = null;
    caughtUp = true;
    rebuildingPin = true;
    long refusedBefore = refused;
    try {
      Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofSeconds(30));
      while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new KafkaException("models topic " + topic + " not read to its end within the catch-up timeout");
        }
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          handle(r);
        }
      }
    } finally {
      rebuildingPin = false;
    }
    if (current != target || refused != refusedBefore) {
      caughtUp = false;
      throw new KafkaException("rebuilding the pinned " + model + " v" + target + " from " + topic + " failed (v"
          + current + " in service); catching up again");
    }
    LOG.info("caught up on {}: {} v{} in service (pinned; v{} held back until unpinned)", topic, model, current,
        head.getVersion());
    return current;
  }

  /**
   * Sets the quality gate for versions arriving from now on.
   *
   * @param gate the gate
   */
  public void qualityGate(QualityGate gate) {
    this.gate = java.util.Objects.requireNonNull(gate, "gate");
  }

  /**
   * Reads the versions as the topic holds them, whatever the control record pins. A pin holds versions back from
   * scorers only: a publisher (a trainer, a rollback) must follow the latest version, or it would number its next
   * version after the pinned one, a number the topic already holds.
   *
   * @return this reader
   */
  public VersionReader ignoringPins() {
    followPins = false;
    pinned = null;
    return this;
  }

  /** @return the version the control record pins, or null when not pinned */
  public Long pinned() {
    return pinned;
  }

  /** @return the newest version verified and held back (staged, not in service), or 0 for none */
  public long heldBack() {
    return head != null && head.getVersion() > current ? head.getVersion() : 0;
  }

  /** @return versions the quality gate held back so far */
  public long gateHeld() {
    return held;
  }

  /**
   * Rebuilds one past version from the topic: reads from the beginning and applies every version up to
   * {@code target} as a following reader would, each one verified completely. That works while compaction
   * has not yet removed records of those versions that later versions overwrote.
   *
   * @param target the version to rebuild
   * @param timeout how long it may take
   * @return true if {@code target} is now in service; false if the topic no longer holds it completely
   *     (a version up to it does not verify, or it is not on the topic)
   * @throws KafkaException if the topic is missing or cannot be read in time
   */
  public boolean rebuild(long target, Duration timeout) {
    // a pin holds versions back from scorers, not from a rebuild of the topic's history
    pinned = null;
    rebuildingPin = true;
    try {
      return rebuildAll(target, timeout);
    } finally {
      rebuildingPin = false;
    }
  }

  private boolean rebuildAll(long target, Duration timeout) {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
    if (infos == null || infos.isEmpty()) {
      throw new KafkaException("models topic " + topic + " does not exist (create it: ./wnd topics create)");
    }
    List<TopicPartition> parts = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
    caughtUp = true; // verify every version as it arrives, as a following reader does
    pending = null;
    lastComplete = null;
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofSeconds(30));
    while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
      if (System.nanoTime() > deadline) {
        throw new KafkaException("models topic " + topic + " not read to its end within " + timeout);
      }
      for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
        handle(r);
        if (current == target) {
          return true;
        }
        if (refused > 0 || current > target) {
          return false;
        }
      }
    }
    return false;
  }

  /**
   * Reads what arrived since the last call (after {@link #catchUp}) and commits or refuses each version.
   *
   * @param timeout the longest wait for new records
   */
  public void poll(Duration timeout) {
    if (!caughtUp) {
      throw new IllegalStateException("catchUp first");
    }
    for (ConsumerRecord<String, byte[]> r : consumer.poll(timeout)) {
      handle(r);
    }
  }

  /** @return the version in service (0 for none) */
  public long current() {
    return current;
  }

  /** @return versions committed so far */
  public long applied() {
    return applied;
  }

  /** @return versions refused so far */
  public long refused() {
    return refused;
  }

  // During catch-up the last manifest is held back: only the final one must verify completely.
  private ModelManifest pending;
  // During catch-up the last folded manifest if it verified completely when folded: served if only junk follows.
  private ModelManifest lastComplete;

  void handle(ConsumerRecord<String, byte[]> r) {
    if (r.key() == null || !r.key().startsWith(prefix)) {
      return;
    }
    ModelRecords.Key key;
    try {
      key = ModelRecords.parse(r.key());
    } catch (IllegalArgumentException e) {
      if (pending != null) {
        foldPending(); // junk is not the held-back version's
      }
      refuseLater("unreadable key at offset " + r.offset() + ": " + e.getMessage());
      return;
    }
    if (key.kind() == 'c') {
      control(r);
      return;
    }
    if (pending != null && key.kind() != 'm') {
      // a new version's records begin: the held-back manifest was not the last one
      foldPending();
    }
    if (r.value() == null) {
      if (key.kind() == 's') {
        chain.add(ModelRecords.keyChecksum(r.key()));
        try {
          sink.stageDelete(key.table(), key.field(), key.id());
        } catch (RuntimeException e) {
          refuseLater("cannot delete " + r.key() + " at offset " + r.offset() + ": " + e.getMessage());
        }
      }
      return;
    }
    ModelRecord rec;
    try {
      rec = serde.deserialize(topic, r.value());
    } catch (RuntimeException e) {
      if (pending != null) {
        foldPending(); // junk is not the held-back version's
      }
      refuseLater("undecodable record " + r.key() + " at offset " + r.offset() + ": " + e.getMessage());
      return;
    }
    Object part = rec.getPart();
    if (part instanceof SparseBlock b) {
      long crc = ModelRecords.blockChecksum(b.getIds(), b.getValues());
      if (crc != b.getChecksum()) {
        refuseLater("bad checksum on " + r.key() + " at offset " + r.offset());
        return;
      }
      int dim = b.getDim();
      if (key.kind() != 's' || dim < 1 || (long) b.getValues().remaining() != 4L * dim * b.getIds().size()) {
        refuseLater("malformed sparse block " + r.key() + " at offset " + r.offset() + ": " + b.getIds().size()
            + " ids of width " + dim + " in " + b.getValues().remaining() + " bytes");
        return;
      }
      chain.add(crc);
      float[] v = ModelRecords.floats(b.getValues());
      try {
        for (int i = 0; i < b.getIds().size(); i++) {
          sink.stage(key.table(), key.field(), b.getIds().get(i), v, i * dim, dim);
        }
      } catch (RuntimeException e) {
        refuseLater("cannot stage " + r.key() + " at offset " + r.offset() + ": " + e.getMessage());
      }
    } else if (part instanceof DenseChunk c) {
      if (ModelRecords.crc(c.getData()) != c.getChecksum()) {
        refuseLater("bad checksum on " + r.key() + " at offset " + r.offset());
        return;
      }
      dense.put(c.getIndex(), c);
    } else if (part instanceof ModelManifest m) {
      if (pending != null) {
        foldPending();
      }
      lastComplete = null;
      if (!caughtUp) {
        pending = m;
        return;
      }
      String why = verify(m, false);
      if (why == null) {
        String pin = pinned != null && m.getVersion() > pinned ? "pinned to v" + pinned : null;
        String gated = gate.holdReason(head == null ? null : head.getMetrics(), m.getMetrics());
        if (pin != null || gated != null) {
          if (gated != null) {
            held++;
            LOG.warn("quality gate holds back {} v{} (parent v{}): {}; v{} stays in service", model, m.getVersion(),
                m.getParent(), gated, current);
          } else {
            LOG.info("{} v{} held back ({}); v{} stays in service", model, m.getVersion(), pin, current);
          }
          head = m;
          headDense = Map.copyOf(dense);
          headHeldByGate = gated != null;
        } else {
          if (head != null && head.getVersion() > current) {
            LOG.info("{} v{} folds the held-back versions v{}..v{} into one swap", model, m.getVersion(), current + 1,
                head.getVersion());
          }
          commit(m, dense);
        }
      } else {
        refused++;
        sink.discard();
        if (head != null && head.getVersion() > current) {
          LOG.warn("refused {} v{} (parent v{}): {}; the held-back v{}..v{} are dropped with it; v{} stays in service",
              model, m.getVersion(), m.getParent(), why, current + 1, head.getVersion(), current);
        } else {
          LOG.warn("refused {} v{} (parent v{}): {}; v{} stays in service", model, m.getVersion(), m.getParent(), why,
              current);
        }
        head = served;
        headHeldByGate = false;
      }
      chain.reset();
      refusal = null;
    }
  }

  /** Catch-up: an older version whose rows compaction thinned out; its surviving rows stay staged. */
  private void foldPending() {
    lastComplete = verify(pending, true) == null ? pending : null;
    if (lastComplete != null && allComplete) {
      buildableUpTo = pending.getVersion();
    } else {
      allComplete = false;
    }
    pending = null;
    chain.reset();
    refusal = null;
  }

  private void refuseLater(String why) {
    if (refusal == null) {
      refusal = why;
    }
  }

  private String verify(ModelManifest m, boolean lastOfCatchUp) {
    if (refusal != null) {
      return refusal;
    }
    if (chain.count() != m.getSparseBlocks() || chain.value() != m.getSparseChecksum()) {
      return "sparse records " + chain.count() + " of " + m.getSparseBlocks() + (chain.count() == m.getSparseBlocks()
          ? ", checksum chain mismatch" : " arrived");
    }
    for (int c = 0; c < m.getDenseChunks(); c++) {
      DenseChunk chunk = dense.get(c);
      if (chunk == null || chunk.getVersion() != m.getVersion() || chunk.getCount() != m.getDenseChunks()) {
        return "dense chunk " + c + " of " + m.getDenseChunks() + " is missing";
      }
    }
    long parent = head == null ? current : head.getVersion();
    if (!lastOfCatchUp && parent != 0 && m.getParent() != parent) {
      return "its parent v" + m.getParent() + " is not the version in service" + (parent == current ? ""
          : " nor the held-back v" + parent);
    }
    return null;
  }

  private void commit(ModelManifest m) {
    commit(m, dense);
  }

  private void control(ConsumerRecord<String, byte[]> r) {
    Long pin = null;
    String who = "?";
    if (r.value() != null) {
      ModelRecord rec;
      try {
        rec = serde.deserialize(topic, r.value());
      } catch (RuntimeException e) {
        LOG.warn("ignored an undecodable control record {} at offset {}: {}", r.key(), r.offset(), e.getMessage());
        return;
      }
      if (!(rec.getPart() instanceof ModelControl c)) {
        LOG.warn("ignored a control record {} at offset {} that holds no control", r.key(), r.offset());
        return;
      }
      pin = c.getPinnedVersion();
      who = c.getBy();
    }
    if (rebuildingPin || !followPins) {
      return; // the pin being rebuilt is the latest control record's; or pins are not this reader's business
    }
    pinned = pin;
    if (!caughtUp) {
      return;
    }
    if (pin == null) {
      LOG.info("{} unpinned by {}", model, who);
    } else {
      LOG.info("{} pinned to v{} by {}{}", model, pin, who, pin < current ? " (v" + current + " is already in service: "
          + "later versions are held)" : "");
    }
    release();
  }

  /** Commits the held-back head now if nothing holds it any more and no later version is half-read. */
  private void release() {
    if (head == null || head.getVersion() <= current || headHeldByGate
        || (pinned != null && head.getVersion() > pinned) || chain.count() > 0 || refusal != null) {
      return;
    }
    for (DenseChunk c : dense.values()) {
      if (c.getVersion() > head.getVersion()) {
        return; // the next version has begun: it commits the held ones with it when its manifest arrives
      }
    }
    LOG.info("releasing the held-back {} v{}..v{}", model, current + 1, head.getVersion());
    commit(head, headDense);
  }

  private void commit(ModelManifest m, Map<Integer, DenseChunk> dense) {
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    int total = 0;
    for (int c = 0; c < m.getDenseChunks(); c++) {
      total += dense.get(c).getData().remaining() / 4;
    }
    float[] weights = new float[total];
    int at = 0;
    for (int c = 0; c < m.getDenseChunks(); c++) {
      ByteBuffer data = dense.get(c).getData();
      crc.update(data.duplicate());
      float[] part = ModelRecords.floats(data);
      System.arraycopy(part, 0, weights, at, part.length);
      at += part.length;
    }
    if (crc.getValue() != m.getDenseChecksum()) {
      refused++;
      sink.discard();
      head = served;
      headHeldByGate = false;
      LOG.warn("refused {} v{}: dense checksum mismatch; v{} stays in service", model, m.getVersion(), current);
      return;
    }
    Map<TopicPartition, Long> consumed = new HashMap<>();
    for (TopicOffset o : m.getConsumed()) {
      consumed.put(new TopicPartition(o.getTopic(), o.getPartition()), o.getOffset());
    }
    try {
      ModelVersion v = new ModelVersion(m.getModel(), m.getVersion(), m.getParent(), m.getCreatedAt().toEpochMilli(),
          m.getExamplesSeen(), consumed, m.getMetrics(), m.getSpec(), weights, m.getBytes());
      sink.commit(v);
    } catch (RuntimeException e) {
      // checksums matched but the version does not make a model (e.g. its spec): refuse it, keep the old one
      refused++;
      sink.discard();
      head = served;
      headHeldByGate = false;
      LOG.warn("refused {} v{}: {}; v{} stays in service", model, m.getVersion(), e.getMessage(), current);
      return;
    }
    current = m.getVersion();
    served = m;
    head = m;
    headHeldByGate = false;
    applied++;
    chain.reset();
    refusal = null;
    LOG.info("{} v{} in service ({} bytes, parent v{})", model, current, m.getBytes(), m.getParent());
  }

  /**
   * Makes a {@link #poll} or {@link #catchUp} in progress on another thread return early by throwing
   * {@link org.apache.kafka.common.errors.WakeupException}: the way to stop the polling thread (an interrupt
   * would make closing the consumer fail). Thread-safe.
   */
  public void wakeup() {
    consumer.wakeup();
  }

  @Override
  public void close() {
    consumer.close();
  }
}

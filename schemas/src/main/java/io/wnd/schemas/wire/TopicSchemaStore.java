package io.wnd.schemas.wire;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.avro.message.SchemaStore;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writer schemas on the compacted schemas topic, keyed by fingerprint (16 hex digits), valued by the
 * schema's JSON. Writers {@link #register} what they write; readers look up unknown fingerprints, which reads what
 * was added to the (small) topic since the last look. A fingerprint still unknown after a look is looked for again
 * at most once per {@code minRefreshInterval} (the last 1,024 such fingerprints are remembered), so a flood of
 * records with one garbage fingerprint cannot turn into a flood of reads, while a schema published a moment after
 * another producer's unknown one is found at its first record.
 *
 * <p>Anything that can produce to Kafka can publish a schema here: the key is the hex fingerprint of the
 * schema's parsing canonical form, the value its JSON text.
 */
public final class TopicSchemaStore implements SchemaStore, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TopicSchemaStore.class);

  private final Map<String, Object> clientConfig;
  private final String topic;
  private final long minRefreshNanos;
  private final Map<Long, Schema> known = new ConcurrentHashMap<>();
  private final Map<Long, Boolean> registered = new ConcurrentHashMap<>();
  private KafkaConsumer<String, String> consumer;
  private KafkaProducer<String, String> producer;
  /** Fingerprints not found at their last look, and when that was (nanoTime); the eldest dropped. */
  private final Map<Long, Long> missed = new java.util.LinkedHashMap<>(64, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
      return size() > 1024;
    }
  };
  private boolean assigned;

  /**
   * @param clientConfig Kafka client settings (bootstrap servers and security), shared by the store's
   *     consumer and producer
   * @param topic the schemas topic
   * @param minRefreshInterval the least time between two scans of the topic for unknown fingerprints
   */
  public TopicSchemaStore(Map<String, Object> clientConfig, String topic, Duration minRefreshInterval) {
    this.clientConfig = Map.copyOf(clientConfig);
    this.topic = topic;
    this.minRefreshNanos = minRefreshInterval.toNanos();
    for (Schema s : WireFormat.compiledIn()) {
      known.put(WireFormat.fingerprint(s), s);
    }
  }

  /**
   * Publishes schemas to the topic (once per schema and store) and waits for the broker's acknowledgement.
   *
   * @param schemas the schemas this process writes
   * @throws KafkaException if the broker does not acknowledge within the producer's delivery timeout
   */
  public void register(List<Schema> schemas) {
    for (Schema schema : schemas) {
      long fp = WireFormat.fingerprint(schema);
      known.put(fp, schema);
      if (registered.putIfAbsent(fp, Boolean.TRUE) == null) {
        try {
          producer().send(new ProducerRecord<>(topic, WireFormat.hex(fp), schema.toString())).get(60, TimeUnit.SECONDS);
          LOG.info("registered schema {} as {} on {}", schema.getFullName(), WireFormat.hex(fp), topic);
        } catch (ExecutionException | TimeoutException e) {
          registered.remove(fp);
          throw new KafkaException("cannot register schema " + schema.getFullName() + " on topic " + topic + ": "
              + (e.getCause() == null ? e : e.getCause()).getMessage(), e);
        } catch (InterruptedException e) {
          registered.remove(fp);
          Thread.currentThread().interrupt();
          throw new KafkaException("interrupted while registering schema " + schema.getFullName(), e);
        }
      }
    }
  }

  @Override
  public Schema findByFingerprint(long fingerprint) {
    Schema s = known.get(fingerprint);
    if (s != null) {
      return s;
    }
    synchronized (this) {
      s = known.get(fingerprint);
      long now = System.nanoTime();
      Long last = missed.get(fingerprint);
      if (s == null && (last == null || now - last >= minRefreshNanos)) {
        refresh();
        s = known.get(fingerprint);
        if (s == null) {
          missed.put(fingerprint, now);
        } else {
          missed.remove(fingerprint);
        }
      }
      return s;
    }
  }

  private void refresh() {
    KafkaConsumer<String, String> c = consumer();
    List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(10));
    if (infos == null || infos.isEmpty()) {
      LOG.warn("schemas topic {} does not exist: unknown fingerprints cannot be resolved", topic);
      return;
    }
    List<TopicPartition> parts = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
    if (!assigned || !c.assignment().equals(new java.util.HashSet<>(parts))) {
      // the first look reads the whole topic; later ones go on from where the last stopped
      c.assign(parts);
      c.seekToBeginning(parts);
      assigned = true;
    }
    Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(10));
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
      for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
        if (r.value() == null) {
          continue;
        }
        try {
          Schema schema = new Schema.Parser().parse(r.value());
          known.putIfAbsent(WireFormat.fingerprint(schema), schema);
        } catch (SchemaParseException e) {
          LOG.warn("skipping unparseable schema at {}-{} offset {}: {}", r.topic(), r.partition(), r.offset(),
              e.getMessage());
        }
      }
    }
  }

  private synchronized KafkaConsumer<String, String> consumer() {
    if (consumer == null) {
      Map<String, Object> cfg = new HashMap<>(clientConfig);
      cfg.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      cfg.remove(ConsumerConfig.GROUP_ID_CONFIG);
      consumer = new KafkaConsumer<>(cfg, new StringDeserializer(), new StringDeserializer());
    }
    return consumer;
  }

  private synchronized KafkaProducer<String, String> producer() {
    if (producer == null) {
      Map<String, Object> cfg = new HashMap<>(clientConfig);
      cfg.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      cfg.put(ProducerConfig.ACKS_CONFIG, "all");
      producer = new KafkaProducer<>(cfg, new StringSerializer(), new StringSerializer());
    }
    return producer;
  }

  @Override
  public synchronized void close() {
    if (consumer != null) {
      consumer.close();
      consumer = null;
    }
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
      producer = null;
    }
  }
}

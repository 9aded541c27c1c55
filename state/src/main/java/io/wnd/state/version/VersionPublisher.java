package io.wnd.state.version;

import io.wnd.avro.DenseChunk;
import io.wnd.avro.ModelManifest;
import io.wnd.avro.ModelRecord;
import io.wnd.avro.SparseBlock;
import io.wnd.avro.TopicOffset;
import io.wnd.schemas.topics.Topics;
import io.wnd.schemas.wire.AvroSerde;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes versions as one Kafka transaction each: changed sparse rows, dense chunks, then the manifest,
 * and (for the trainer) the consumed examples offsets in the same transaction. A second publisher with the
 * same transactional id fences this one, so two trainers can never interleave versions. Not thread-safe.
 */
public final class VersionPublisher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VersionPublisher.class);

  private final KafkaProducer<String, byte[]> producer;
  private final AvroSerde<ModelRecord> serde;
  private final String topic;

  /**
   * Connects and initialises transactions (fencing any earlier publisher with the same id, and aborting
   * its open transaction).
   *
   * @param clientConfig Kafka client settings; they override the defaults here
   * @param topics the topic registry
   * @param transactionalId e.g. {@code wnd-trainer-<model>}: one per model
   */
  public VersionPublisher(Map<String, Object> clientConfig, Topics topics, String transactionalId) {
    Map<String, Object> cfg = new HashMap<>();
    cfg.put(ProducerConfig.ACKS_CONFIG, "all");
    cfg.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    cfg.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MODELS_MAX_MESSAGE_BYTES);
    cfg.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    cfg.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
    cfg.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    cfg.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000);
    cfg.put(ProducerConfig.CLIENT_ID_CONFIG, transactionalId);
    cfg.putAll(clientConfig);
    cfg.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    this.producer = new KafkaProducer<>(cfg, new StringSerializer(), new ByteArraySerializer());
    this.serde = Topics.serdes(null).models();
    this.topic = topics.name(Topics.MODELS);
    producer.initTransactions();
  }

  /**
   * What a publish cost.
   *
   * @param version the version published
   * @param records records written (manifest included)
   * @param bytes bytes of keys and values, manifest excluded
   * @param millis wall time from begin to commit
   */
  public record Published(long version, long records, long bytes, long millis) {}

  /**
   * Publishes one version in one transaction.
   *
   * @param version the manifest data and the full dense weights
   * @param deltas the sparse rows changed since the parent, per table
   * @param offsets consumed examples offsets to commit in the same transaction (empty for none)
   * @param group the consumer group metadata of the examples consumer (null when {@code offsets} is empty)
   * @return the version's cost
   * @throws KafkaException if the transaction fails (it is aborted: no reader ever sees any of it)
   */
  public Published publish(ModelVersion version, List<SparseDelta> deltas, Map<TopicPartition, OffsetAndMetadata> offsets,
      ConsumerGroupMetadata group) {
    long t0 = System.nanoTime();
    String model = version.model();
    long bytes = 0;
    long records = 0;
    ModelRecords.Chain sparse = new ModelRecords.Chain();
    producer.beginTransaction();
    try {
      for (SparseDelta d : deltas) {
        for (int i = 0; i < d.size(); i++) {
          String key = ModelRecords.sparseKey(model, d.table(), d.field(i), d.id(i));
          byte[] value = null;
          if (d.deleted(i)) {
            sparse.add(ModelRecords.keyChecksum(key));
          } else {
            ByteBuffer values = ByteBuffer.wrap(ModelRecords.floats(d.values(), i * d.dim(), d.dim()));
            List<Long> ids = List.of(d.id(i));
            long crc = ModelRecords.blockChecksum(ids, values);
            sparse.add(crc);
            value = serde.serialize(topic, new ModelRecord(new SparseBlock(model, version.version(), d.table().key(),
                Integer.toString(d.field(i)), 0, d.dim(), ids, values, crc)));
          }
          producer.send(new ProducerRecord<>(topic, key, value));
          bytes += key.length() + (value == null ? 0 : value.length);
          records++;
        }
      }
      float[] dense = version.dense();
      int chunks = Math.max(1, (dense.length + ModelRecords.DENSE_CHUNK_FLOATS - 1) / ModelRecords.DENSE_CHUNK_FLOATS);
      java.util.zip.CRC32C denseCrc = new java.util.zip.CRC32C();
      for (int c = 0; c < chunks; c++) {
        int from = c * ModelRecords.DENSE_CHUNK_FLOATS;
        int n = Math.min(ModelRecords.DENSE_CHUNK_FLOATS, dense.length - from);
        byte[] data = ModelRecords.floats(dense, from, n);
        denseCrc.update(data);
        String key = ModelRecords.denseKey(model, c);
        byte[] value = serde.serialize(topic, new ModelRecord(new DenseChunk(model, version.version(), c, chunks,
            ByteBuffer.wrap(data), ModelRecords.crc(ByteBuffer.wrap(data)))));
        producer.send(new ProducerRecord<>(topic, key, value));
        bytes += key.length() + value.length;
        records++;
      }
      List<TopicOffset> consumed = new ArrayList<>();
      version.consumed().forEach((tp, off) -> consumed.add(new TopicOffset(tp.topic(), tp.partition(), off)));
      consumed.sort((a, b) -> a.getTopic().equals(b.getTopic()) ? Integer.compare(a.getPartition(), b.getPartition())
          : a.getTopic().compareTo(b.getTopic()));
      ModelManifest manifest = new ModelManifest(model, version.version(), version.parent(),
          Instant.ofEpochMilli(version.createdAtMillis()), version.examplesSeen(), consumed, new HashMap<>(version.metrics()),
          version.specJson(), chunks, denseCrc.getValue(), sparse.count(), sparse.value(), bytes);
      String mkey = ModelRecords.manifestKey(model, version.version());
      producer.send(new ProducerRecord<>(topic, mkey, serde.serialize(topic, new ModelRecord(manifest))));
      records++;
      if (!offsets.isEmpty()) {
        producer.sendOffsetsToTransaction(offsets, group);
      }
      producer.commitTransaction();
    } catch (ProducerFencedException e) {
      throw new KafkaException("another publisher took over model " + model + " (fenced): this one must stop", e);
    } catch (RuntimeException e) {
      try {
        producer.abortTransaction();
      } catch (RuntimeException abortFailed) {
        e.addSuppressed(abortFailed);
      }
      throw new KafkaException("publishing version " + version.version() + " of " + model + " failed and was aborted: "
          + e.getMessage(), e);
    }
    long millis = (System.nanoTime() - t0) / 1_000_000;
    LOG.info("published {} v{} (parent v{}): {} records, {} bytes in {} ms", model, version.version(), version.parent(),
        records, bytes, millis);
    return new Published(version.version(), records, bytes, millis);
  }

  @Override
  public void close() {
    producer.close();
  }
}

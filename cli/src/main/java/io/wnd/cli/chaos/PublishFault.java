package io.wnd.cli.chaos;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fault injection for tests and {@code wnd chaos}: a Kafka client interceptor that halts the JVM (no shutdown
 * hooks, like a power cut) in the middle of a version's transaction on the models topic, after some of its records
 * reached the broker and before the commit. Nothing in the trainer changes: it is switched on through client
 * settings, which every client of {@code wnd train} receives unchanged:
 *
 * <pre>
 *   wnd train -X interceptor.classes=io.wnd.cli.chaos.PublishFault \
 *             -X wnd.fault.publish.version=2 -X wnd.fault.publish.after.records=manifest
 * </pre>
 *
 * <p>{@value #VERSION_CONFIG}: the n-th version this process publishes (1 = its first; default 1).
 * {@value #AFTER_CONFIG}: halt once this many of that version's records were acknowledged by the broker, or
 * {@code manifest} (default): once its manifest, the last record before the commit, was acknowledged. The exit
 * code is {@value #EXIT_CODE}. It is a consumer interceptor too (a no-op) because the trainer's consumers get the
 * same settings.
 */
public final class PublishFault implements ProducerInterceptor<Object, Object>, ConsumerInterceptor<Object, Object> {
  /** Which version of this process to break (1 = the first it publishes). */
  public static final String VERSION_CONFIG = "wnd.fault.publish.version";
  /** A record count, or {@code manifest}. */
  public static final String AFTER_CONFIG = "wnd.fault.publish.after.records";
  /** The exit status of the halted JVM. */
  public static final int EXIT_CODE = 86;

  private static final String MODELS_SUFFIX = "models";

  private static final Logger LOG = LoggerFactory.getLogger(PublishFault.class);

  // one instance per client; the models topic has one partition, so acknowledgements come in the order of sends
  private final AtomicLong manifestsSent = new AtomicLong();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong acked = new AtomicLong();
  private volatile long firstOfTarget = -1;
  private volatile long manifestOfTarget = -1;
  private long targetVersion = 1;
  private long afterRecords = -1;

  @Override
  public void configure(Map<String, ?> configs) {
    Object v = configs.get(VERSION_CONFIG);
    if (v != null) {
      targetVersion = Long.parseLong(v.toString().trim());
    }
    Object a = configs.get(AFTER_CONFIG);
    if (a != null && !"manifest".equals(a.toString().trim())) {
      afterRecords = Long.parseLong(a.toString().trim());
    }
  }

  @Override
  public ProducerRecord<Object, Object> onSend(ProducerRecord<Object, Object> record) {
    if (record.topic().endsWith(MODELS_SUFFIX)) {
      long index = sent.incrementAndGet();
      boolean manifest = record.key() instanceof String k && k.contains("/m/");
      if (manifestsSent.get() == targetVersion - 1) {
        if (firstOfTarget < 0) {
          firstOfTarget = index;
        }
        if (manifest) {
          manifestOfTarget = index;
        }
      }
      if (manifest) {
        manifestsSent.incrementAndGet();
      }
    }
    return record;
  }

  @Override
  public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
    if (metadata == null || exception != null || !metadata.topic().endsWith(MODELS_SUFFIX)) {
      return;
    }
    // an acknowledgement is seen before the producer's flush, and so its commit, can complete
    long n = acked.incrementAndGet();
    long first = firstOfTarget;
    long last = manifestOfTarget;
    if (first < 0 || n < first) {
      return;
    }
    boolean due = afterRecords > 0 && n - first + 1 >= afterRecords || last > 0 && n >= last;
    if (due) {
      LOG.error("fault injected ({}): halting in the middle of this process's version {} transaction, {} of its records "
          + "acknowledged by the broker, before the commit", getClass().getSimpleName(), targetVersion, n - first + 1);
      Runtime.getRuntime().halt(EXIT_CODE);
    }
  }

  @Override
  public ConsumerRecords<Object, Object> onConsume(ConsumerRecords<Object, Object> records) {
    return records;
  }

  @Override
  public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
    // nothing: the consumer side is a no-op
  }

  @Override
  public void close() {
    // nothing to release
  }
}

package io.wnd.schemas.deadletter;

import io.wnd.schemas.wire.WireFormatException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Builds dead-letter records and counts them by reason. One instance per app, shared by its stages;
 * thread-safe.
 */
public final class DeadLetters {
  /** Header: the topic the record was read from. */
  public static final String TOPIC = "wnd.dlq.topic";
  /** Header: its partition, in decimal. */
  public static final String PARTITION = "wnd.dlq.partition";
  /** Header: its offset, in decimal. */
  public static final String OFFSET = "wnd.dlq.offset";
  /** Header: the stage that failed, e.g. {@code scorer.deserialize}. */
  public static final String STAGE = "wnd.dlq.stage";
  /** Header: a short reason, e.g. {@code BAD_HEADER}, {@code UNKNOWN_SCHEMA}, {@code TRUNCATED}. */
  public static final String REASON = "wnd.dlq.reason";
  /** Header: the exception's class name. */
  public static final String EXCEPTION = "wnd.dlq.exception";
  /** Header: the exception's message. */
  public static final String MESSAGE = "wnd.dlq.message";
  /** Header, only on a dead letter whose original key or value was cut: their original sizes in bytes. */
  public static final String TRUNCATED = "wnd.dlq.truncated";
  /** Longest message kept in the header, in characters. */
  public static final int MAX_MESSAGE_CHARS = 2000;
  /**
   * Most bytes of original key and value kept together (1,000,000): with the headers, a dead letter stays under
   * the brokers' default record size limit (1 MiB), so a record near that limit that fails cannot make its own
   * dead letter fail too. Longer originals are cut (the key to 1 KiB first) and flagged with {@link #TRUNCATED}.
   */
  public static final int MAX_ORIGINAL_BYTES = 1_000_000;
  private static final int MAX_KEPT_KEY_BYTES = 1024;

  private final String deadLetterTopic;
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

  /** @param deadLetterTopic the full name of the dead-letter topic */
  public DeadLetters(String deadLetterTopic) {
    this.deadLetterTopic = deadLetterTopic;
  }

  /** @return the dead-letter topic's name */
  public String topic() {
    return deadLetterTopic;
  }

  /**
   * The dead-letter record of a failed input record, and counts it.
   *
   * @param source where the record came from
   * @param key its original key bytes (may be null)
   * @param value its original value bytes (may be null)
   * @param headers its original headers, kept (may be null)
   * @param stage the stage that failed
   * @param error why
   * @return the record to produce to the dead-letter topic, keyed by the original key
   */
  public ProducerRecord<byte[], byte[]> record(Source source, byte[] key, byte[] value, Headers headers, String stage,
      Throwable error) {
    String reason = reasonOf(error);
    counts.computeIfAbsent(reason, r -> new LongAdder()).increment();
    RecordHeaders h = new RecordHeaders();
    if (headers != null) {
      for (Header original : headers) {
        h.add(original);
      }
    }
    put(h, TOPIC, source.topic());
    put(h, PARTITION, Integer.toString(source.partition()));
    put(h, OFFSET, Long.toString(source.offset()));
    put(h, STAGE, stage);
    put(h, REASON, reason);
    put(h, EXCEPTION, error.getClass().getName());
    String message = String.valueOf(error.getMessage());
    put(h, MESSAGE, message.length() > MAX_MESSAGE_CHARS ? message.substring(0, MAX_MESSAGE_CHARS) : message);
    int keyLength = key == null ? 0 : key.length;
    int valueLength = value == null ? 0 : value.length;
    if (keyLength + valueLength > MAX_ORIGINAL_BYTES) {
      put(h, TRUNCATED, "key " + keyLength + " bytes, value " + valueLength + " bytes");
      if (keyLength > MAX_KEPT_KEY_BYTES) {
        key = java.util.Arrays.copyOf(key, MAX_KEPT_KEY_BYTES);
      }
      int room = MAX_ORIGINAL_BYTES - (key == null ? 0 : key.length);
      if (valueLength > room) {
        value = java.util.Arrays.copyOf(value, room);
      }
    }
    return new ProducerRecord<>(deadLetterTopic, null, key, value, h);
  }

  /**
   * Counts an input that was dropped without a dead-letter record (for example a duplicate), under a reason.
   *
   * @param reason the counter's name
   */
  public void count(String reason) {
    counts.computeIfAbsent(reason, r -> new LongAdder()).increment();
  }

  /** @return dead letters so far by reason, sorted by reason */
  public Map<String, Long> counts() {
    Map<String, Long> out = new TreeMap<>();
    counts.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /** @return all dead letters so far */
  public long total() {
    return counts.values().stream().mapToLong(LongAdder::sum).sum();
  }

  /**
   * The reason recorded for an error: the wire-format reason for decoding failures, else the class name.
   *
   * @param error the failure
   * @return a short reason
   */
  public static String reasonOf(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof WireFormatException w) {
        return w.reason().name();
      }
    }
    return error.getClass().getSimpleName();
  }

  /**
   * A header's value as text.
   *
   * @param headers headers of a dead-letter record
   * @param name a header name
   * @return the last value under that name, or null
   */
  public static String header(Headers headers, String name) {
    Header h = headers.lastHeader(name);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static void put(RecordHeaders h, String name, String value) {
    h.remove(name);
    h.add(name, value.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Where a record came from.
   *
   * @param topic its topic
   * @param partition its partition
   * @param offset its offset
   */
  public record Source(String topic, int partition, long offset) {}
}

package io.wnd.schemas.deadletter;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decoding for plain consumers (the trainer, the CLI): a record that does not decode is sent to the
 * dead-letter topic through the given producer (inside its transaction, when it is transactional) and
 * skipped; the caller goes on with the next record.
 *
 * @param <T> the decoded type
 */
public final class DecodeOrDeadLetter<T> {
  private static final Logger LOG = LoggerFactory.getLogger(DecodeOrDeadLetter.class);
  private final Deserializer<T> deserializer;
  private final DeadLetters deadLetters;
  private final Producer<byte[], byte[]> producer;
  private final String stage;

  /**
   * @param deserializer decodes the values
   * @param deadLetters builds and counts the dead letters
   * @param producer sends them
   * @param stage the stage named in the dead-letter headers
   */
  public DecodeOrDeadLetter(Deserializer<T> deserializer, DeadLetters deadLetters, Producer<byte[], byte[]> producer,
      String stage) {
    this.deserializer = deserializer;
    this.deadLetters = deadLetters;
    this.producer = producer;
    this.stage = stage;
  }

  /**
   * Decodes a record's value, or dead-letters it.
   *
   * @param record a raw record
   * @return the value, or {@code null} when it was dead-lettered (or was a tombstone)
   */
  public T decode(ConsumerRecord<byte[], byte[]> record) {
    try {
      return deserializer.deserialize(record.topic(), record.headers(), record.value());
    } catch (RuntimeException e) {
      LOG.warn("dead letter: {}-{} offset {} at {}: {}", record.topic(), record.partition(), record.offset(), stage,
          e.getMessage());
      var source = new DeadLetters.Source(record.topic(), record.partition(), record.offset());
      producer.send(deadLetters.record(source, record.key(), record.value(), record.headers(), stage, e),
          (meta, sendError) -> {
            if (sendError != null) {
              LOG.error("cannot write dead letter for {}-{} offset {}: {}", record.topic(), record.partition(),
                  record.offset(), sendError.getMessage());
            }
          });
      return null;
    }
  }
}

package io.wnd.schemas.deadletter;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka Streams deserialization handler of every topology: a record that does not decode becomes a
 * dead-letter record (produced by Streams itself, inside the task's transaction under exactly-once) and
 * processing CONTINUES.
 *
 * <p>Configure with {@code default.deserialization.exception.handler} set to this class and
 * {@link #DEAD_LETTERS_CONFIG} set to the app's {@link DeadLetters} instance.
 */
public final class DeadLetterHandler implements DeserializationExceptionHandler {
  /** The config key under which the app passes its {@link DeadLetters} instance. */
  public static final String DEAD_LETTERS_CONFIG = "wnd.dead.letters";
  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterHandler.class);

  private DeadLetters deadLetters;

  @Override
  public void configure(Map<String, ?> configs) {
    Object v = configs.get(DEAD_LETTERS_CONFIG);
    if (!(v instanceof DeadLetters d)) {
      throw new ConfigException(DEAD_LETTERS_CONFIG, v, "must be a " + DeadLetters.class.getName() + " instance");
    }
    deadLetters = d;
  }

  @Override
  public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
    LOG.warn("dead letter: {}-{} offset {} at {}: {}", record.topic(), record.partition(), record.offset(),
        context.processorNodeId(), exception.getMessage());
    var source = new DeadLetters.Source(record.topic(), record.partition(), record.offset());
    return Response.resume(List.of(deadLetters.record(source, record.key(), record.value(), record.headers(),
        "deserialize:" + context.processorNodeId(), exception)));
  }
}

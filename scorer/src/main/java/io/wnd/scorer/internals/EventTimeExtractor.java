package io.wnd.scorer.internals;

import io.wnd.avro.Click;
import io.wnd.avro.Impression;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Stream time is event time: the {@code event_time} field of impressions and clicks, whatever timestamp the
 * producer put on the record; a tombstone (null value) gets the partition time, so it moves nothing.
 *
 * <p>An event time before 1970 or more than {@code maxAheadMs} ahead of the wall clock does not move stream
 * time: the record gets the partition time instead (never a negative one, which Kafka Streams would drop
 * without a trace), and the processors dead-letter it.
 */
public final class EventTimeExtractor implements TimestampExtractor {
  private final long maxAheadMs;

  /** @param maxAheadMs the largest lead of an event time over the wall clock, ms */
  public EventTimeExtractor(long maxAheadMs) {
    this.maxAheadMs = maxAheadMs;
  }

  @Override
  public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
    Object v = record.value();
    long t;
    if (v instanceof Impression i && i.getEventTime() != null) {
      t = i.getEventTime().toEpochMilli();
    } else if (v instanceof Click c && c.getEventTime() != null) {
      t = c.getEventTime().toEpochMilli();
    } else {
      // a tombstone: nothing to process, and its producer's timestamp must not move stream time
      return Math.max(partitionTime, 0);
    }
    if (t < 0 || t - maxAheadMs > System.currentTimeMillis()) {
      return Math.max(partitionTime, 0);
    }
    return t;
  }
}

package io.wnd.scorer.internals;

import io.wnd.avro.Click;
import io.wnd.avro.Impression;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Stream time is event time: the {@code event_time} field of impressions and clicks, whatever timestamp the
 * producer put on the record; other values fall back to the record's timestamp (or the partition time if
 * it has none).
 */
public final class EventTimeExtractor implements TimestampExtractor {
  @Override
  public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
    Object v = record.value();
    if (v instanceof Impression i && i.getEventTime() != null) {
      return i.getEventTime().toEpochMilli();
    }
    if (v instanceof Click c && c.getEventTime() != null) {
      return c.getEventTime().toEpochMilli();
    }
    return record.timestamp() >= 0 ? record.timestamp() : partitionTime;
  }
}

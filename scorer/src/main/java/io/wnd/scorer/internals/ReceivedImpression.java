package io.wnd.scorer.internals;

import io.wnd.avro.Impression;
import io.wnd.avro.LabelledExample;
import io.wnd.schemas.wire.AvroSerde;
import io.wnd.schemas.wire.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * An impression as read from the impressions topic, with the bytes it was read from. When they are in the current
 * {@link Impression} schema, their features (the union index and the feature record, the last field) are exactly
 * what a {@link LabelledExample}'s last field holds: the join writes its example's other fields and copies those bytes
 * ({@link #negativeExample}), instead of encoding the dozens of feature fields again; an impression written with
 * another schema version keeps its bytes too (a dead letter carries them as its producer wrote them), but its example
 * is encoded as usual, and so is one read back from the held store, which is a plain {@link Impression}. Equal fields
 * to an {@link Impression}, but not {@code equals} one (Avro compares classes).
 */
public final class ReceivedImpression extends Impression {
  private static final long IMPRESSION_FINGERPRINT = WireFormat.fingerprint(Impression.getClassSchema());
  private static final long EXAMPLE_FINGERPRINT = WireFormat.fingerprint(LabelledExample.getClassSchema());
  private static final byte[] EXAMPLE_HEADER = header(LabelledExample.getClassSchema());

  private final byte[] bytes;
  private final int featuresAt;

  private ReceivedImpression(Impression decoded, byte[] bytes, int featuresAt) {
    super(decoded.getId(), decoded.getEventTime(), decoded.getFeatures());
    this.bytes = bytes;
    this.featuresAt = featuresAt;
  }

  /**
   * The impressions topic's deserializer: the serde's, keeping the bytes of an impression in the current schema.
   *
   * @param serde the impressions' serde
   * @return the deserializer
   */
  public static Deserializer<Impression> deserializer(AvroSerde<Impression> serde) {
    return (topic, data) -> {
      Impression decoded = serde.deserialize(topic, data);
      if (decoded == null) {
        return null;
      }
      return new ReceivedImpression(decoded, data, featuresAt(data));
    };
  }

  /** @return the bytes this impression was read from, as its producer wrote them (a dead letter carries them) */
  public byte[] bytes() {
    return bytes;
  }

  /**
   * @return whether the bytes are in the current schema, so that {@link #negativeExample} can copy their features
   */
  public boolean currentSchema() {
    return featuresAt >= 0;
  }

  /**
   * The labelled example of an impression whose window closed without a click (label 0, no click time), encoded
   * for the examples topic: the same bytes as encoding the {@link LabelledExample} with the examples' serde.
   *
   * @param id the impression id
   * @param impressionTime the impression's event time, ms
   * @param probability the served probability
   * @param model the served model
   * @param version the served version
   * @return the encoded example
   */
  public byte[] negativeExample(String id, long impressionTime, double probability, String model, long version) {
    if (featuresAt < 0) {
      throw new IllegalStateException("an impression in another schema: encode its example with the serde");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length + id.length() + model.length() + 32);
    out.writeBytes(EXAMPLE_HEADER);
    BinaryEncoder e = EncoderFactory.get().directBinaryEncoder(out, null);
    try {
      e.writeString(id);
      e.writeInt(0);
      e.writeLong(impressionTime);
      e.writeIndex(0); // click_time: null
      e.writeIndex(1);
      e.writeDouble(probability);
      e.writeIndex(1);
      e.writeString(model);
      e.writeIndex(1);
      e.writeLong(version);
      e.flush();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex); // a ByteArrayOutputStream does not throw
    }
    out.write(bytes, featuresAt, bytes.length - featuresAt);
    return out.toByteArray();
  }

  /**
   * The positive an impression's encoded negative becomes when a click comes inside its window: the same bytes with
   * label 1 and the click time, as encoding the {@link LabelledExample} with the examples' serde would give, without
   * decoding and encoding its features again.
   *
   * @param negative an example encoded for the examples topic with label 0 and no click time (as the join stores it)
   * @param clickTime the click's event time, ms
   * @return the encoded positive, or null if {@code negative} is not such an example in the current schema
   */
  public static byte[] positiveExample(byte[] negative, long clickTime) {
    long[] value = new long[1];
    int label = afterId(negative, EXAMPLE_FINGERPRINT, value);
    if (label < 0) {
      return null;
    }
    int time = varint(negative, label, value);
    if (time < 0 || value[0] != 0) {
      return null;
    }
    int clickIndex = varint(negative, time, value);
    if (clickIndex < 0 || clickIndex >= negative.length || negative[clickIndex] != 0) {
      return null; // click_time is not null
    }
    int rest = clickIndex + 1;
    ByteArrayOutputStream out = new ByteArrayOutputStream(negative.length + 10);
    out.write(negative, 0, label);
    BinaryEncoder e = EncoderFactory.get().directBinaryEncoder(out, null);
    try {
      e.writeInt(1);
      e.flush();
      out.write(negative, time, clickIndex - time); // the impression time
      e.writeIndex(1);
      e.writeLong(clickTime);
      e.flush();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex); // a ByteArrayOutputStream does not throw
    }
    out.write(negative, rest, negative.length - rest);
    return out.toByteArray();
  }

  /**
   * Where the features start in an impression's bytes: after the header, the id (a string) and the event time (a
   * long).
   *
   * @return the offset, or -1 if the bytes are not in the current Impression schema (or not well formed)
   */
  static int featuresAt(byte[] data) {
    long[] value = new long[1];
    int pos = afterId(data, IMPRESSION_FINGERPRINT, value);
    if (pos < 0) {
      return -1;
    }
    pos = varint(data, pos, value); // the event time
    return pos < 0 || pos >= data.length ? -1 : pos;
  }

  /**
   * Where the id (the first field, a string) ends in a record's bytes in the schema with this fingerprint.
   *
   * @return the offset after the id, or -1 if the bytes are in another schema (or not well formed)
   */
  private static int afterId(byte[] data, long fingerprint, long[] value) {
    if (data.length < WireFormat.HEADER_LENGTH || data[0] != WireFormat.MAGIC[0] || data[1] != WireFormat.MAGIC[1]
        || AvroSerde.fingerprintOf(data) != fingerprint) {
      return -1;
    }
    int pos = varint(data, WireFormat.HEADER_LENGTH, value); // the id's length
    if (pos < 0 || value[0] < 0 || value[0] > data.length - pos) {
      return -1;
    }
    return pos + (int) value[0];
  }

  /** Reads a zig-zag varint at {@code pos} into {@code value[0]}; returns the position after it, or -1. */
  private static int varint(byte[] b, int pos, long[] value) {
    long v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (pos >= b.length) {
        return -1;
      }
      int x = b[pos++] & 0xff;
      v |= (long) (x & 0x7f) << shift;
      if ((x & 0x80) == 0) {
        value[0] = (v >>> 1) ^ -(v & 1);
        return pos;
      }
    }
    return -1;
  }

  private static byte[] header(org.apache.avro.Schema schema) {
    return ByteBuffer.allocate(WireFormat.HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN).put(WireFormat.MAGIC)
        .putLong(WireFormat.fingerprint(schema)).array();
  }
}

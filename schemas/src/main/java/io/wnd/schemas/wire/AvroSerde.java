package io.wnd.schemas.wire;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serializer, deserializer and Kafka Streams serde of one generated Avro type in single-object encoding.
 *
 * <p>Reading resolves the writer schema by fingerprint: the type's own schema and every compiled-in one
 * directly, any other through the given {@link SchemaStore} (the schemas topic), then applies Avro schema
 * resolution to the current reader schema. Failures raise {@link WireFormatException} with a reason. A
 * {@code null} value (a tombstone) maps to {@code null} both ways. Thread-safe.
 *
 * @param <T> the generated record type
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T>, Serializer<T>, Deserializer<T> {
  private final Schema schema;
  private final BinaryMessageEncoder<T> encoder;
  private final BinaryMessageDecoder<T> decoder;
  private final SchemaStore store;
  private final java.util.Map<Long, Schema> writers = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * @param type the generated class: its schema is the reader and writer schema
   * @param store where unknown writer schemas are looked up; may be {@code null} to know only compiled-in ones
   */
  public AvroSerde(Class<T> type, SchemaStore store) {
    SpecificData model = customCoders(SpecificData.getForClass(type), type);
    this.schema = model.getSchema(type);
    this.encoder = new BinaryMessageEncoder<>(model, schema);
    this.decoder = new BinaryMessageDecoder<>(model, schema, store);
    this.store = store;
    writers.put(WireFormat.fingerprint(schema), schema);
    for (Schema known : WireFormat.compiledIn()) {
      if (known.getFullName().equals(schema.getFullName()) && !known.equals(schema)) {
        decoder.addSchema(known);
        writers.put(WireFormat.fingerprint(known), known);
      }
    }
  }

  /**
   * The generated class's data model with Avro's custom coders on: records whose generated class has them (the
   * feature records: dozens of optional fields) are written and read by generated code, not by resolving every
   * optional field's union through the generic writer. The model is a copy (the class's own is shared).
   */
  private static SpecificData customCoders(SpecificData shared, Class<?> type) {
    SpecificData model = new SpecificData(type.getClassLoader());
    shared.getConversions().forEach(model::addLogicalTypeConversion);
    model.setCustomCoders(true);
    return model;
  }

  /** @return the schema this serde writes and reads into */
  public Schema schema() {
    return schema;
  }

  @Override
  public byte[] serialize(String topic, T data) {
    if (data == null) {
      return null;
    }
    try {
      ByteBuffer buf = encoder.encode(data);
      return Arrays.copyOfRange(buf.array(), buf.arrayOffset() + buf.position(), buf.arrayOffset() + buf.limit());
    } catch (IOException | RuntimeException e) {
      throw new WireFormatException(WireFormatException.Reason.MALFORMED,
          "cannot encode " + schema.getName() + " for topic " + topic + ": " + e.getMessage(), e);
    }
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    if (data.length < WireFormat.HEADER_LENGTH || data[0] != WireFormat.MAGIC[0] || data[1] != WireFormat.MAGIC[1]) {
      throw new WireFormatException(WireFormatException.Reason.BAD_HEADER,
          "not Avro single-object encoding (" + data.length + " bytes, expected C3 01 + 8-byte fingerprint + body)", null);
    }
    try {
      Schema writer = writerOf(data);
      if (writer != null) {
        WireBounds.check(writer, data, WireFormat.HEADER_LENGTH);
      }
      return decoder.decode(data);
    } catch (WireFormatException e) {
      throw e;
    } catch (MissingSchemaException e) {
      throw new WireFormatException(WireFormatException.Reason.UNKNOWN_SCHEMA,
          "unknown writer schema fingerprint " + WireFormat.hex(fingerprintOf(data))
              + " (neither compiled in nor on the schemas topic)", e);
    } catch (BadHeaderException e) {
      throw new WireFormatException(WireFormatException.Reason.BAD_HEADER, e.getMessage(), e);
    } catch (AvroRuntimeException | IOException e) {
      if (causedBy(e, EOFException.class)) {
        throw new WireFormatException(WireFormatException.Reason.TRUNCATED,
            "record body ends early (" + data.length + " bytes) for " + schema.getName(), e);
      }
      throw new WireFormatException(WireFormatException.Reason.MALFORMED,
          "cannot decode " + schema.getName() + ": " + rootMessage(e), e);
    } catch (RuntimeException e) {
      // Avro reports some corrupt bodies with plain runtime exceptions (negative lengths, bad union index).
      throw new WireFormatException(WireFormatException.Reason.MALFORMED,
          "cannot decode " + schema.getName() + ": " + rootMessage(e), e);
    }
  }

  @Override
  public Serializer<T> serializer() {
    return this;
  }

  @Override
  public Deserializer<T> deserializer() {
    return this;
  }

  @Override
  public void configure(java.util.Map<String, ?> configs, boolean isKey) {
    // configured at construction: the schema and the store come from the topic registry
  }

  @Override
  public void close() {
    // nothing to release: the schema store is owned by whoever created it
  }

  /**
   * The writer fingerprint in a record's header.
   *
   * @param data a record of at least {@link WireFormat#HEADER_LENGTH} bytes
   * @return the little-endian 64-bit fingerprint at bytes 2..9
   */
  public static long fingerprintOf(byte[] data) {
    return ByteBuffer.wrap(data, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
  }

  /** The writer schema named by a record's fingerprint, if this serde can resolve it; else the decoder reports it. */
  private Schema writerOf(byte[] data) {
    long fp = fingerprintOf(data);
    Schema w = writers.get(fp);
    if (w == null && store != null) {
      w = store.findByFingerprint(fp);
      if (w != null) {
        writers.put(fp, w);
      }
    }
    return w;
  }

  private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
  }
}

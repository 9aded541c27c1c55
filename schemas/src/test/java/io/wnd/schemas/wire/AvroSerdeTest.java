package io.wnd.schemas.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wnd.avro.Click;
import io.wnd.avro.Impression;
import io.wnd.avro.LabelledExample;
import io.wnd.avro.ModelRecord;
import io.wnd.avro.Score;
import io.wnd.schemas.Samples;
import io.wnd.schemas.topics.Topics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.SchemaStore;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {
  private final Topics.Serdes serdes = Topics.serdes(null);

  @Test
  void shouldRoundTripEveryType() {
    Impression imp = Samples.impression("imp-1");
    assertThat(serdes.impressions().deserialize("t", serdes.impressions().serialize("t", imp))).isEqualTo(imp);
    Click click = Samples.click("imp-1");
    assertThat(serdes.clicks().deserialize("t", serdes.clicks().serialize("t", click))).isEqualTo(click);
    Score score = Samples.score("imp-1");
    assertThat(serdes.scores().deserialize("t", serdes.scores().serialize("t", score))).isEqualTo(score);
    LabelledExample ex = Samples.example("imp-1");
    assertThat(serdes.examples().deserialize("t", serdes.examples().serialize("t", ex))).isEqualTo(ex);
    for (ModelRecord r : Samples.modelRecords()) {
      assertThat(serdes.models().deserialize("t", serdes.models().serialize("t", r))).isEqualTo(r);
    }
  }

  @Test
  void shouldWriteTheSameBytesAsAvrosGenericWriterWhileUsingTheGeneratedCoders() throws IOException {
    // the serde writes feature records with their generated coders (custom coders on): the bytes must be Avro's
    // own, for Criteo and census features, with missing (null) fields among them
    LabelledExample criteo = Samples.example("imp-1");
    LabelledExample census = LabelledExample.newBuilder(criteo).setFeatures(Samples.census()).build();
    for (LabelledExample ex : java.util.List.of(criteo, census)) {
      BinaryMessageEncoder<LabelledExample> generic = new BinaryMessageEncoder<>(
          org.apache.avro.specific.SpecificData.getForClass(LabelledExample.class), LabelledExample.getClassSchema());
      ByteBuffer b = generic.encode(ex);
      byte[] expected = Arrays.copyOfRange(b.array(), b.arrayOffset() + b.position(), b.arrayOffset() + b.limit());
      byte[] actual = serdes.examples().serialize("t", ex);
      assertThat(actual).isEqualTo(expected);
      assertThat(serdes.examples().deserialize("t", expected)).isEqualTo(ex);
    }
    Impression imp = Samples.impression("imp-2");
    ByteBuffer b = new BinaryMessageEncoder<Impression>(org.apache.avro.specific.SpecificData.getForClass(
        Impression.class), Impression.getClassSchema()).encode(imp);
    assertThat(serdes.impressions().serialize("t", imp))
        .isEqualTo(Arrays.copyOfRange(b.array(), b.arrayOffset() + b.position(), b.arrayOffset() + b.limit()));
  }

  @Test
  void shouldWriteTheSpecHeader() {
    byte[] bytes = serdes.clicks().serialize("t", Samples.click("x"));
    assertThat(bytes[0]).isEqualTo((byte) 0xC3);
    assertThat(bytes[1]).isEqualTo((byte) 0x01);
    long fp = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    // independent check of the fingerprint: Avro's own CRC-64-AVRO over the parsing canonical form
    assertThat(fp).isEqualTo(org.apache.avro.SchemaNormalization.parsingFingerprint64(Click.getClassSchema()));
  }

  @Test
  void shouldDecodeHandAssembledBytes() throws IOException {
    // What a producer in another language writes: marker, fingerprint, then a plain Avro binary body.
    Schema schema = Click.getClassSchema();
    GenericRecord rec = new GenericData.Record(schema);
    rec.put("impression_id", "hand-made");
    rec.put("event_time", 1_700_000_000_123L);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0xC3, 0x01});
    out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
        .putLong(org.apache.avro.SchemaNormalization.parsingFingerprint64(schema)).array());
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(schema).write(rec, enc);
    enc.flush();

    Click click = serdes.clicks().deserialize("t", out.toByteArray());
    assertThat(click.getImpressionId()).isEqualTo("hand-made");
    assertThat(click.getEventTime().toEpochMilli()).isEqualTo(1_700_000_000_123L);
  }

  @Test
  void shouldDecodeBytesFromAvrosOwnMessageEncoder() throws IOException {
    Schema schema = Click.getClassSchema();
    GenericRecord rec = new GenericData.Record(schema);
    rec.put("impression_id", "from-avro");
    rec.put("event_time", 5L);
    ByteBuffer buf = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(rec);
    byte[] bytes = Arrays.copyOfRange(buf.array(), buf.position(), buf.limit());
    assertThat(serdes.clicks().deserialize("t", bytes).getImpressionId()).isEqualTo("from-avro");
  }

  @Test
  void shouldReadAnOlderWriterSchemaThroughTheStore() throws IOException {
    Schema older = parse("/evolution/LabelledExample-older.avsc");
    GenericRecord rec = olderExample(older);
    byte[] bytes = encode(older, rec);

    AvroSerde<LabelledExample> withoutStore = new AvroSerde<>(LabelledExample.class, null);
    assertThatThrownBy(() -> withoutStore.deserialize("t", bytes))
        .isInstanceOfSatisfying(WireFormatException.class,
            e -> assertThat(e.reason()).isEqualTo(WireFormatException.Reason.UNKNOWN_SCHEMA));

    Map<Long, Schema> known = new HashMap<>();
    known.put(WireFormat.fingerprint(older), older);
    SchemaStore store = known::get;
    LabelledExample ex = new AvroSerde<>(LabelledExample.class, store).deserialize("t", bytes);
    assertThat(ex.getImpressionId()).isEqualTo("old-1");
    assertThat(ex.getLabel()).isEqualTo(1);
    assertThat(ex.getServedProbability()).as("defaults fill the fields the old schema lacks").isNull();
    assertThat(ex.getServedVersion()).isNull();
  }

  @Test
  void shouldReadModelRecordsWrittenBeforeTheControlBranchWithoutASchemaStore() throws IOException {
    // the ModelRecord schema before ModelControl was appended to its union: dense chunks written then must decode
    Schema older = parse("/io/wnd/schemas/history/ModelRecord-1.avsc");
    assertThat(WireFormat.fingerprint(older)).isNotEqualTo(WireFormat.fingerprint(ModelRecord.getClassSchema()));
    Schema chunkSchema = older.getField("part").schema().getTypes().get(1);
    GenericRecord chunk = new GenericData.Record(chunkSchema);
    for (Schema.Field f : chunkSchema.getFields()) {
      switch (f.schema().getType()) {
        case INT -> chunk.put(f.name(), 3);
        case LONG -> chunk.put(f.name(), 7L);
        case BYTES -> chunk.put(f.name(), ByteBuffer.wrap(new byte[] {1, 2, 3, 4}));
        default -> chunk.put(f.name(), "ctr");
      }
    }
    GenericRecord rec = new GenericData.Record(older);
    rec.put("part", chunk);
    ModelRecord back = serdes.models().deserialize("t", encode(older, rec));
    assertThat(back.getPart()).isInstanceOf(io.wnd.avro.DenseChunk.class);
    assertThat(((io.wnd.avro.DenseChunk) back.getPart()).getIndex()).isEqualTo(3);

    io.wnd.avro.ModelControl control = io.wnd.avro.ModelControl.newBuilder().setPinnedVersion(2L).setBy("op@host")
        .setAt(java.time.Instant.ofEpochMilli(5)).setReason("incident").build();
    ModelRecord now = new ModelRecord(control);
    assertThat(serdes.models().deserialize("t", serdes.models().serialize("t", now))).isEqualTo(now);
  }

  @Test
  void shouldReportGarbageAsBadHeader() {
    byte[] garbage = "hello, world, not avro".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> serdes.impressions().deserialize("t", garbage))
        .isInstanceOfSatisfying(WireFormatException.class,
            e -> assertThat(e.reason()).isEqualTo(WireFormatException.Reason.BAD_HEADER));
    assertThatThrownBy(() -> serdes.impressions().deserialize("t", new byte[] {(byte) 0xC3, 0x01, 1}))
        .isInstanceOfSatisfying(WireFormatException.class,
            e -> assertThat(e.reason()).isEqualTo(WireFormatException.Reason.BAD_HEADER));
  }

  @Test
  void shouldReportATruncatedBody() {
    byte[] whole = serdes.impressions().serialize("t", Samples.impression("imp-long-id"));
    byte[] cut = Arrays.copyOf(whole, whole.length - 20);
    assertThatThrownBy(() -> serdes.impressions().deserialize("t", cut))
        .isInstanceOfSatisfying(WireFormatException.class,
            e -> assertThat(e.reason()).isEqualTo(WireFormatException.Reason.TRUNCATED));
  }

  @Test
  void shouldReportAnUnknownFingerprintByItsHex() {
    byte[] bytes = serdes.clicks().serialize("t", Samples.click("x"));
    ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(0x0123456789abcdefL);
    assertThatThrownBy(() -> serdes.clicks().deserialize("t", bytes))
        .isInstanceOfSatisfying(WireFormatException.class,
            e -> assertThat(e.reason()).isEqualTo(WireFormatException.Reason.UNKNOWN_SCHEMA))
        .hasMessageContaining("0123456789abcdef");
  }

  @Test
  void shouldMapNullToNullForTombstones() {
    assertThat(serdes.models().serialize("t", null)).isNull();
    assertThat(serdes.models().deserialize("t", null)).isNull();
  }

  static Schema parse(String resource) throws IOException {
    try (InputStream in = AvroSerdeTest.class.getResourceAsStream(resource)) {
      return new Schema.Parser().parse(in);
    }
  }

  static GenericRecord olderExample(Schema older) {
    Schema criteo = older.getField("features").schema().getTypes().get(0);
    GenericRecord features = new GenericData.Record(criteo);
    for (Schema.Field f : criteo.getFields()) {
      features.put(f.name(), f.name().startsWith("I") ? (Object) 1L : "abcdef01");
    }
    GenericRecord rec = new GenericData.Record(older);
    rec.put("impression_id", "old-1");
    rec.put("label", 1);
    rec.put("impression_time", 1_000L);
    rec.put("click_time", 2_000L);
    rec.put("features", features);
    return rec;
  }

  static byte[] encode(Schema schema, GenericRecord rec) throws IOException {
    ByteBuffer buf = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(rec);
    return Arrays.copyOfRange(buf.array(), buf.position(), buf.limit());
  }
}

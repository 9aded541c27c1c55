package io.wnd.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import io.wnd.avro.Click;
import io.wnd.avro.Impression;
import io.wnd.avro.LabelledExample;
import io.wnd.avro.ModelRecord;
import io.wnd.broker.LocalKafka;
import io.wnd.broker.junit.KafkaExtension;
import io.wnd.schemas.deadletter.DeadLetters;
import io.wnd.schemas.deadletter.DecodeOrDeadLetter;
import io.wnd.schemas.topics.TopicAdmin;
import io.wnd.schemas.topics.Topics;
import io.wnd.schemas.wire.AvroSerde;
import io.wnd.schemas.wire.TopicSchemaStore;
import io.wnd.schemas.wire.WireFormat;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaExtension.class)
class WireFormatIT {

  @Test
  void shouldCreateTopicsIdempotentlyAndReportAWrongCleanupPolicy(LocalKafka kafka) throws Exception {
    Topics topics = new Topics(unique(), 2);
    try (Admin admin = Admin.create(client(kafka))) {
      // someone created the models topic by hand with the default (delete) policy
      admin.createTopics(List.of(new NewTopic(topics.name(Topics.MODELS), 1, (short) 1))).all().get();
      TopicAdmin ta = new TopicAdmin(admin, topics, (short) 1);

      List<TopicAdmin.Status> first = ta.create();
      assertThat(first).extracting(TopicAdmin.Status::outcome).containsExactly(TopicAdmin.Outcome.CREATED,
          TopicAdmin.Outcome.CREATED, TopicAdmin.Outcome.CREATED, TopicAdmin.Outcome.CREATED,
          TopicAdmin.Outcome.MISMATCH, TopicAdmin.Outcome.CREATED, TopicAdmin.Outcome.CREATED);
      TopicAdmin.Status models = first.get(4);
      assertThat(models.problems()).anySatisfy(p -> assertThat(p).contains("cleanup.policy is delete, expected compact"));

      List<TopicAdmin.Status> second = ta.create();
      assertThat(second).extracting(TopicAdmin.Status::outcome).containsExactly(TopicAdmin.Outcome.EXISTS,
          TopicAdmin.Outcome.EXISTS, TopicAdmin.Outcome.EXISTS, TopicAdmin.Outcome.EXISTS,
          TopicAdmin.Outcome.MISMATCH, TopicAdmin.Outcome.EXISTS, TopicAdmin.Outcome.EXISTS);
      assertThat(second.get(0).partitions()).isEqualTo(2);
      assertThat(second.get(6).cleanupPolicy()).isEqualTo("compact");
    }
  }

  @Test
  void shouldRoundTripEverySchemaThroughKafka(LocalKafka kafka) throws Exception {
    Topics topics = created(kafka);
    Topics.Serdes serdes = Topics.serdes(null);
    Impression imp = Samples.impression("imp-1");
    Click click = Samples.click("imp-1");
    LabelledExample ex = Samples.example("imp-1");
    try (var p = producer(kafka)) {
      p.send(new ProducerRecord<>(topics.name(Topics.IMPRESSIONS), "imp-1", serdes.impressions().serialize("", imp)));
      p.send(new ProducerRecord<>(topics.name(Topics.CLICKS), "imp-1", serdes.clicks().serialize("", click)));
      p.send(new ProducerRecord<>(topics.name(Topics.SCORES), "imp-1",
          serdes.scores().serialize("", Samples.score("imp-1"))));
      p.send(new ProducerRecord<>(topics.name(Topics.EXAMPLES), "imp-1", serdes.examples().serialize("", ex)));
      for (ModelRecord r : Samples.modelRecords()) {
        p.send(new ProducerRecord<>(topics.name(Topics.MODELS), "criteo/part", serdes.models().serialize("", r)));
      }
    }
    assertThat(serdes.impressions().deserialize("", values(kafka, topics.name(Topics.IMPRESSIONS), 1).get(0))).isEqualTo(imp);
    assertThat(serdes.clicks().deserialize("", values(kafka, topics.name(Topics.CLICKS), 1).get(0))).isEqualTo(click);
    assertThat(serdes.scores().deserialize("", values(kafka, topics.name(Topics.SCORES), 1).get(0)))
        .isEqualTo(Samples.score("imp-1"));
    assertThat(serdes.examples().deserialize("", values(kafka, topics.name(Topics.EXAMPLES), 1).get(0))).isEqualTo(ex);
    assertThat(values(kafka, topics.name(Topics.MODELS), 3)).extracting(b -> serdes.models().deserialize("", b))
        .containsExactlyElementsOf(Samples.modelRecords());
  }

  @Test
  void shouldResolveOlderAndNewerWriterSchemasFromTheSchemasTopic(LocalKafka kafka) throws Exception {
    Topics topics = created(kafka);
    String schemasTopic = topics.name(Topics.SCHEMAS);
    Schema older = parse("/evolution/LabelledExample-older.avsc");
    Schema newer = parse("/evolution/Click-newer.avsc");

    // Another producer (any language) publishes its writer schemas, then writes with them.
    try (TopicSchemaStore writerSide = new TopicSchemaStore(client(kafka), schemasTopic, Duration.ZERO)) {
      writerSide.register(List.of(older, newer));
    }
    GenericRecord oldEx = new GenericData.Record(older);
    Schema criteo = older.getField("features").schema().getTypes().get(0);
    GenericRecord features = new GenericData.Record(criteo);
    oldEx.put("impression_id", "old-1");
    oldEx.put("label", 0);
    oldEx.put("impression_time", 10L);
    oldEx.put("click_time", null);
    oldEx.put("features", features);
    GenericRecord newClick = new GenericData.Record(newer);
    newClick.put("impression_id", "new-1");
    newClick.put("event_time", 20L);
    newClick.put("placement", "top");
    try (var p = producer(kafka)) {
      p.send(new ProducerRecord<>(topics.name(Topics.EXAMPLES), "old-1", encode(older, oldEx)));
      p.send(new ProducerRecord<>(topics.name(Topics.CLICKS), "new-1", encode(newer, newClick)));
    }

    try (TopicSchemaStore readerSide = new TopicSchemaStore(client(kafka), schemasTopic, Duration.ZERO)) {
      Topics.Serdes serdes = Topics.serdes(readerSide);
      LabelledExample ex = serdes.examples().deserialize("", values(kafka, topics.name(Topics.EXAMPLES), 1).get(0));
      assertThat(ex.getImpressionId()).isEqualTo("old-1");
      assertThat(ex.getServedVersion()).isNull();
      Click c = serdes.clicks().deserialize("", values(kafka, topics.name(Topics.CLICKS), 1).get(0));
      assertThat(c.getImpressionId()).isEqualTo("new-1");
      assertThat(c.getEventTime().toEpochMilli()).isEqualTo(20L);
    }
  }

  @Test
  void shouldFindASchemaPublishedMomentsAfterAnotherFingerprintWasLookedForInVain(LocalKafka kafka) throws Exception {
    Topics topics = created(kafka);
    String schemasTopic = topics.name(Topics.SCHEMAS);
    Schema newer = parse("/evolution/Click-newer.avsc");
    long fingerprint = WireFormat.fingerprint(newer);
    try (TopicSchemaStore reader = new TopicSchemaStore(client(kafka), schemasTopic, Duration.ofHours(1))) {
      assertThat(reader.findByFingerprint(0x0123456789abcdefL)).as("a producer's unpublished schema").isNull();
      assertThat(reader.findByFingerprint(fingerprint)).isNull();

      try (TopicSchemaStore writer = new TopicSchemaStore(client(kafka), schemasTopic, Duration.ZERO)) {
        writer.register(List.of(newer));
      }

      // missed an instant ago: not looked for again within the hour
      assertThat(reader.findByFingerprint(fingerprint)).isNull();
      // another unknown fingerprint is looked for at once, and the look reads what was published since
      assertThat(reader.findByFingerprint(0x0fedcba987654321L)).isNull();
      assertThat(reader.findByFingerprint(fingerprint)).isEqualTo(newer);
    }
    try (TopicSchemaStore reader = new TopicSchemaStore(client(kafka), schemasTopic, Duration.ofHours(1))) {
      assertThat(reader.findByFingerprint(0x0123456789abcdefL)).isNull();
      try (TopicSchemaStore writer = new TopicSchemaStore(client(kafka), schemasTopic, Duration.ZERO)) {
        writer.register(List.of(parse("/evolution/LabelledExample-older.avsc")));
      }
      Schema older = parse("/evolution/LabelledExample-older.avsc");
      assertThat(reader.findByFingerprint(WireFormat.fingerprint(older))).isEqualTo(older);
      assertThat(reader.findByFingerprint(fingerprint)).as("read with the first look").isEqualTo(newer);
    }
  }

  @Test
  void shouldDeadLetterBadRecordsWithTheirBytesAndHeadersAndGoOn(LocalKafka kafka) throws Exception {
    Topics topics = created(kafka);
    String impressions = topics.name(Topics.IMPRESSIONS);
    AvroSerde<Impression> serde = Topics.serdes(null).impressions();
    byte[] good = serde.serialize("", Samples.impression("good"));
    byte[] garbage = "{\"id\": \"json is not avro\"}".getBytes(StandardCharsets.UTF_8);
    byte[] truncated = Arrays.copyOf(good, good.length / 2);
    byte[] unknown = good.clone();
    ByteBuffer.wrap(unknown, 2, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(42L);
    try (var p = producer(kafka)) {
      for (byte[] v : List.of(good, garbage, truncated, unknown, good)) {
        p.send(new ProducerRecord<>(impressions, 0, "key-" + v.length, v));
      }
    }

    DeadLetters deadLetters = new DeadLetters(topics.name(Topics.DEAD_LETTER));
    List<Impression> decoded = new ArrayList<>();
    try (TopicSchemaStore store = new TopicSchemaStore(client(kafka), topics.name(Topics.SCHEMAS), Duration.ZERO);
        KafkaProducer<byte[], byte[]> dlqProducer = new KafkaProducer<>(client(kafka), new ByteArraySerializer(),
            new ByteArraySerializer())) {
      var decoder = new DecodeOrDeadLetter<>(Topics.serdes(store).impressions(), deadLetters, dlqProducer,
          "test.decode");
      for (ConsumerRecord<byte[], byte[]> r : records(kafka, impressions, 5)) {
        Impression imp = decoder.decode(r);
        if (imp != null) {
          decoded.add(imp);
        }
      }
    }
    assertThat(decoded).extracting(Impression::getId).containsExactly("good", "good");
    assertThat(deadLetters.counts()).containsEntry("BAD_HEADER", 1L).containsEntry("TRUNCATED", 1L)
        .containsEntry("UNKNOWN_SCHEMA", 1L);

    List<ConsumerRecord<byte[], byte[]>> dead = records(kafka, topics.name(Topics.DEAD_LETTER), 3);
    assertThat(dead).extracting(ConsumerRecord::value).containsExactly(garbage, truncated, unknown);
    assertThat(dead).extracting(r -> DeadLetters.header(r.headers(), DeadLetters.REASON))
        .containsExactly("BAD_HEADER", "TRUNCATED", "UNKNOWN_SCHEMA");
    assertThat(dead).extracting(r -> DeadLetters.header(r.headers(), DeadLetters.OFFSET)).containsExactly("1", "2", "3");
    ConsumerRecord<byte[], byte[]> first = dead.get(0);
    assertThat(new String(first.key(), StandardCharsets.UTF_8)).isEqualTo("key-" + garbage.length);
    assertThat(DeadLetters.header(first.headers(), DeadLetters.TOPIC)).isEqualTo(impressions);
    assertThat(DeadLetters.header(first.headers(), DeadLetters.PARTITION)).isEqualTo("0");
    assertThat(DeadLetters.header(first.headers(), DeadLetters.STAGE)).isEqualTo("test.decode");
    assertThat(DeadLetters.header(first.headers(), DeadLetters.EXCEPTION)).endsWith("WireFormatException");
    assertThat(DeadLetters.header(dead.get(2).headers(), DeadLetters.MESSAGE))
        .contains(WireFormat.hex(42L));
  }

  private static Topics created(LocalKafka kafka) {
    Topics topics = new Topics(unique(), 1);
    try (Admin admin = Admin.create(client(kafka))) {
      new TopicAdmin(admin, topics, (short) 1).create();
    }
    return topics;
  }

  private static String unique() {
    return "t" + UUID.randomUUID().toString().substring(0, 8) + ".";
  }

  static Map<String, Object> client(LocalKafka kafka) {
    Map<String, Object> m = new HashMap<>();
    m.put("bootstrap.servers", kafka.bootstrapServers());
    return m;
  }

  private static KafkaProducer<String, byte[]> producer(LocalKafka kafka) {
    Map<String, Object> cfg = client(kafka);
    cfg.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MODELS_MAX_MESSAGE_BYTES);
    Serializer<String> keys = new StringSerializer();
    return new KafkaProducer<>(cfg, keys, new ByteArraySerializer());
  }

  private static List<byte[]> values(LocalKafka kafka, String topic, int n) {
    return records(kafka, topic, n).stream().map(ConsumerRecord::value).toList();
  }

  private static List<ConsumerRecord<byte[], byte[]>> records(LocalKafka kafka, String topic, int n) {
    Map<String, Object> cfg = client(kafka);
    cfg.put(ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID());
    cfg.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (var c = new KafkaConsumer<>(cfg, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of(topic));
      long deadline = System.currentTimeMillis() + 30_000;
      while (out.size() < n && System.currentTimeMillis() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  private static Schema parse(String resource) throws IOException {
    try (InputStream in = WireFormatIT.class.getResourceAsStream(resource)) {
      return new Schema.Parser().parse(in);
    }
  }

  private static byte[] encode(Schema schema, GenericRecord rec) throws IOException {
    ByteBuffer buf = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(rec);
    return Arrays.copyOfRange(buf.array(), buf.position(), buf.limit());
  }
}

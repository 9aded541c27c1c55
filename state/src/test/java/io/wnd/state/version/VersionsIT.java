package io.wnd.state.version;

import static org.assertj.core.api.Assertions.assertThat;

import io.wnd.avro.ModelRecord;
import io.wnd.avro.SparseBlock;
import io.wnd.broker.LocalKafka;
import io.wnd.broker.junit.KafkaExtension;
import io.wnd.schemas.topics.TopicAdmin;
import io.wnd.schemas.topics.Topics;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaExtension.class)
class VersionsIT {
  private static final int FIELDS = 5;
  private static final int IDS = 2_000;
  private static final int DIM = 8;

  /** The writer's own in-memory model: what every reader must rebuild. */
  private final Map<String, float[]> writer = new HashMap<>();
  private final Random random = new Random(42);

  @Test
  void shouldRebuildTheLatestCommittedVersionColdAndCostBytesInProportionToChange(LocalKafka kafka) throws Exception {
    Topics topics = topics(kafka);
    Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
    VersionPublisher.Published v1;
    VersionPublisher.Published v2;
    try (VersionPublisher pub = new VersionPublisher(client, topics, "test-" + UUID.randomUUID())) {
      v1 = pub.publish(version(1, 0, dense(1)), List.of(change(Table.WIDE, 1, 1.0), change(Table.EMBEDDING, DIM, 1.0)),
          Map.of(), null);
      v2 = pub.publish(version(2, 1, dense(2)), List.of(change(Table.WIDE, 1, 0.01), change(Table.EMBEDDING, DIM, 0.01)),
          Map.of(), null);
    }
    double ratio = v2.bytes() / (double) v1.bytes();
    assertThat(ratio).as("v2 changed 1%% of the rows: %d vs %d bytes", v2.bytes(), v1.bytes()).isBetween(0.005, 0.02);

    // v3: a transaction that never commits (the trainer died, or aborted)
    try (KafkaProducer<String, byte[]> p = transactional(client, "dying-" + UUID.randomUUID())) {
      p.beginTransaction();
      for (int i = 0; i < 100; i++) {
        p.send(new ProducerRecord<>(topics.name(Topics.MODELS), ModelRecords.sparseKey("m", Table.WIDE, 0, i), null));
      }
      p.flush();
      p.abortTransaction();
    }
    Map<String, float[]> expected = new HashMap<>(writer);

    MemorySink sink = new MemorySink();
    try (VersionReader reader = new VersionReader(client, topics, "m", sink)) {
      assertThat(reader.catchUp(Duration.ofSeconds(60))).isEqualTo(2);
    }
    assertThat(sink.commits).as("one commit for the whole catch-up").isEqualTo(1);
    assertThat(sink.version.version()).isEqualTo(2);
    assertThat(sink.version.dense()).containsExactly(dense(2));
    assertThat(sink.version.consumed()).containsEntry(new TopicPartition("ex", 0), 2_000L);
    assertThat(sink.live.keySet()).isEqualTo(expected.keySet());
    expected.forEach((k, v) -> assertThat(sink.live.get(k)).as(k).containsExactly(v));
  }

  @Test
  void shouldRefuseAVersionWithABadChecksumAndKeepThePreviousInService(LocalKafka kafka) throws Exception {
    Topics topics = topics(kafka);
    Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
    String txId = "test-" + UUID.randomUUID();
    MemorySink sink = new MemorySink();
    try (VersionPublisher pub = new VersionPublisher(client, topics, txId);
        VersionReader reader = new VersionReader(client, topics, "m", sink)) {
      pub.publish(version(1, 0, dense(1)), List.of(change(Table.WIDE, 1, 1.0)), Map.of(), null);
      // the commit's markers reach the partition a moment after commitTransaction returns: catch up to the
      // stable offset, then poll until v1 is in service
      reader.catchUp(Duration.ofSeconds(30));
      awaitVersions(reader, 1, 0);
      Map<String, float[]> v1 = new HashMap<>(sink.live);

      // v2 whose one sparse record carries a wrong checksum, written around the publisher
      float[] row = {9f};
      ByteBuffer values = ByteBuffer.wrap(ModelRecords.floats(row, 0, 1));
      SparseBlock corrupt = new SparseBlock("m", 2L, "wide", "0", 0, 1, List.of(7L), values,
          ModelRecords.blockChecksum(List.of(7L), values) ^ 1);
      try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers",
          kafka.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
        p.send(new ProducerRecord<>(topics.name(Topics.MODELS), ModelRecords.sparseKey("m", Table.WIDE, 0, 7),
            Topics.serdes(null).models().serialize("", new ModelRecord(corrupt)))).get();
      }
      pub.publish(version(2, 1, dense(2)), List.of(change(Table.WIDE, 1, 0.05)), Map.of(), null);
      awaitVersions(reader, 1, 1);
      assertThat(reader.current()).isEqualTo(1);
      assertThat(sink.version.version()).isEqualTo(1);
      assertThat(sink.live.keySet()).isEqualTo(v1.keySet());
      v1.forEach((k, v) -> assertThat(sink.live.get(k)).containsExactly(v));

      // v3 derived from the refused v2 is refused too: its parent is not in service
      pub.publish(version(3, 2, dense(3)), List.of(change(Table.WIDE, 1, 0.01)), Map.of(), null);
      awaitVersions(reader, 1, 2);
      // a version derived from v1 is accepted again
      pub.publish(version(4, 1, dense(4)), List.of(change(Table.WIDE, 1, 0.01)), Map.of(), null);
      awaitVersions(reader, 2, 2);
      assertThat(reader.current()).isEqualTo(4);
    }
  }

  @Test
  void shouldEndAColdCatchUpServingTheLastCompleteVersionWhenJunkFollowsIt(LocalKafka kafka) throws Exception {
    Topics topics = topics(kafka);
    Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
    try (VersionPublisher pub = new VersionPublisher(client, topics, "test-" + UUID.randomUUID())) {
      pub.publish(version(1, 0, dense(1)), List.of(change(Table.WIDE, 1, 1.0)), Map.of(), null);
      pub.publish(version(2, 1, dense(2)), List.of(change(Table.WIDE, 1, 0.05)), Map.of(), null);
    }
    Map<String, float[]> expected = new HashMap<>(writer);
    // the garbage of the bad-input corpus (scorer BadInputIT), written outside any transaction after v2
    String models = topics.name(Topics.MODELS);
    byte[] random = new byte[100];
    new Random(9).nextBytes(random);
    try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers",
        kafka.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
      p.send(new ProducerRecord<>(models, "m/s/wide/0/0000000000000001", new byte[] {1, 2, 3})).get();
      p.send(new ProducerRecord<>(models, "m/x/garbage", new byte[] {(byte) 0xC3, 1})).get();
      p.send(new ProducerRecord<>(models, "m/m/0000000000000000003", random)).get();
    }
    MemorySink sink = new MemorySink();
    try (VersionReader reader = new VersionReader(client, topics, "m", sink)) {
      assertThat(reader.catchUp(Duration.ofSeconds(60))).as("v2 in service, not nothing").isEqualTo(2);
    }
    assertThat(sink.version.version()).isEqualTo(2);
    assertThat(sink.live.keySet()).isEqualTo(expected.keySet());
    expected.forEach((k, v) -> assertThat(sink.live.get(k)).as(k).containsExactly(v));
  }

  private static void awaitVersions(VersionReader reader, long applied, long refused) {
    long deadline = System.currentTimeMillis() + 30_000;
    while ((reader.applied() < applied || reader.refused() < refused) && System.currentTimeMillis() < deadline) {
      reader.poll(Duration.ofMillis(200));
    }
    assertThat(reader.applied()).isEqualTo(applied);
    assertThat(reader.refused()).isEqualTo(refused);
  }

  private ModelVersion version(long v, long parent, float[] dense) {
    return new ModelVersion("m", v, parent, 1_700_000_000_000L + v, 1_000 * v, Map.of(new TopicPartition("ex", 0), 1_000 * v),
        Map.of("auc", 0.7), "{}", dense, 0);
  }

  private static float[] dense(long v) {
    float[] d = new float[1_000];
    for (int i = 0; i < d.length; i++) {
      d[i] = v + i / 1000f;
    }
    return d;
  }

  /** Changes a share of the rows of a table, in the writer's model and in a delta. */
  private SparseDelta change(Table table, int dim, double share) {
    SparseDelta d = new SparseDelta(table, dim);
    for (int f = 0; f < FIELDS; f++) {
      for (int id = 0; id < IDS; id++) {
        if (share >= 1.0 || random.nextDouble() < share) {
          float[] row = new float[dim];
          for (int j = 0; j < dim; j++) {
            row[j] = (float) random.nextGaussian();
          }
          long longId = id * 0x9E3779B97F4A7C15L;
          d.put(f, longId, row, 0);
          writer.put(MemorySink.key(table, f, longId), row);
        }
      }
    }
    return d;
  }

  private static KafkaProducer<String, byte[]> transactional(Map<String, Object> client, String id) {
    Map<String, Object> cfg = new HashMap<>(client);
    cfg.put("transactional.id", id);
    KafkaProducer<String, byte[]> p = new KafkaProducer<>(cfg, new StringSerializer(), new ByteArraySerializer());
    p.initTransactions();
    return p;
  }

  private static Topics topics(LocalKafka kafka) {
    Topics topics = new Topics("v" + UUID.randomUUID().toString().substring(0, 8) + ".", 1);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      new TopicAdmin(admin, topics, (short) 1).create();
    }
    return topics;
  }
}

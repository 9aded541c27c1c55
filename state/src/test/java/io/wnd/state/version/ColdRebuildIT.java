package io.wnd.state.version;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.wnd.broker.LocalKafka;
import io.wnd.broker.junit.KafkaExtension;
import io.wnd.state.encode.Encoded;
import io.wnd.state.encode.Encoder;
import io.wnd.state.model.ForwardPass;
import io.wnd.state.model.WideDeepModel;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.store.ModelStore;
import io.wnd.state.store.ModelView;
import io.wnd.state.table.SparseTable;
import io.wnd.state.testdata.RealData;
import io.wnd.schemas.topics.TopicAdmin;
import io.wnd.schemas.topics.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A cold RocksDB-backed reader serves exactly the writer's model: same probabilities on real Criteo rows. */
@ExtendWith(KafkaExtension.class)
class ColdRebuildIT {

  @Test
  void shouldServeTheWritersProbabilitiesAfterAColdRebuild(LocalKafka kafka, @TempDir Path dir) throws Exception {
    assumeTrue(Files.exists(RealData.CRITEO), "skipped: " + RealData.CRITEO + " is absent");
    FeatureSpec spec = FeatureSpec.builtin("criteo");
    Encoder encoder = new Encoder(spec);
    List<Encoded> rows = new ArrayList<>();
    for (String[] t : RealData.criteoTokens(3_000)) {
      SpecificRecord f = RealData.criteo(t);
      rows.add(encoder.encode(f, encoder.newEncoded()));
    }
    // the writer's model: a row for every id of these real rows, random values
    WideDeepModel writer = WideDeepModel.create(spec);
    Random random = new Random(3);
    SparseDelta wide1 = new SparseDelta(Table.WIDE, 1);
    SparseDelta emb1 = new SparseDelta(Table.EMBEDDING, spec.embeddingDim());
    for (Encoded e : rows) {
      for (int f = 0; f < e.wideIds().length; f++) {
        set(writer.wide(), f, e.wideIds()[f], random, wide1);
      }
      for (int f = 0; f < e.ids().length; f++) {
        set(writer.embeddings(), f, e.ids()[f], random, emb1);
      }
    }
    Topics topics = new Topics("c" + UUID.randomUUID().toString().substring(0, 8) + ".", 1);
    Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
    try (Admin admin = Admin.create(client)) {
      new TopicAdmin(admin, topics, (short) 1).create();
    }
    try (VersionPublisher pub = new VersionPublisher(client, topics, "cold-" + UUID.randomUUID())) {
      pub.publish(version(spec, writer, 1), List.of(wide1, emb1), Map.of(), null);
      // v2 changes 1% of the rows
      SparseDelta wide2 = new SparseDelta(Table.WIDE, 1);
      SparseDelta emb2 = new SparseDelta(Table.EMBEDDING, spec.embeddingDim());
      for (int i = 0; i < wide1.size(); i++) {
        if (random.nextDouble() < 0.01) {
          set(writer.wide(), wide1.field(i), wide1.id(i), random, wide2);
        }
      }
      for (int i = 0; i < emb1.size(); i++) {
        if (random.nextDouble() < 0.01) {
          set(writer.embeddings(), emb1.field(i), emb1.id(i), random, emb2);
        }
      }
      writer.tower().setBias(0.25f);
      pub.publish(version(spec, writer, 2), List.of(wide2, emb2), Map.of(), null);
    }

    try (ModelStore store = new ModelStore(dir.resolve("db"), spec.wideFieldCount(), spec.sparseCount(), 100_000);
        VersionReader reader = new VersionReader(client, topics, spec.name(), store)) {
      assertThat(reader.catchUp(Duration.ofSeconds(60))).isEqualTo(2);
      ForwardPass expected = new ForwardPass(writer);
      try (ModelView view = store.acquire()) {
        ForwardPass served = new ForwardPass(view.model(spec));
        double maxDiff = 0;
        for (Encoded e : rows) {
          maxDiff = Math.max(maxDiff, Math.abs(expected.probability(e) - served.probability(e)));
        }
        assertThat(maxDiff).isLessThanOrEqualTo(1e-9);
        assertThat(expected.probability(rows.get(0))).isNotEqualTo(0.5);
      }
    }
  }

  private static void set(SparseTable t, int field, long id, Random random, SparseDelta delta) {
    float[] row = new float[t.dim()];
    for (int i = 0; i < row.length; i++) {
      row[i] = (float) (random.nextGaussian() * 0.1);
    }
    t.put(field, id, row);
    delta.put(field, id, row, 0);
  }

  private static ModelVersion version(FeatureSpec spec, WideDeepModel m, long v) {
    return new ModelVersion(spec.name(), v, v - 1, System.currentTimeMillis(), 1_000 * v, Map.of(), Map.of(),
        spec.toJson(), m.tower().toFlat(), 0);
  }
}

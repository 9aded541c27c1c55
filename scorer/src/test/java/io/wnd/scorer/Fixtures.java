package io.wnd.scorer;

import io.wnd.avro.Click;
import io.wnd.avro.CriteoFeatures;
import io.wnd.avro.Impression;
import io.wnd.broker.LocalKafka;
import io.wnd.schemas.deadletter.DeadLetters;
import io.wnd.schemas.topics.TopicAdmin;
import io.wnd.schemas.topics.Topics;
import io.wnd.state.encode.Encoded;
import io.wnd.state.encode.Encoder;
import io.wnd.state.model.WideDeepModel;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.store.ModelStore;
import io.wnd.state.version.ModelVersion;
import io.wnd.state.version.SparseDelta;
import io.wnd.state.version.Table;
import io.wnd.state.version.VersionPublisher;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;

/** Test data: Criteo-like impressions and models whose rows cover their ids. */
final class Fixtures {
  static final FeatureSpec SPEC = FeatureSpec.builtin("criteo");
  static final String MODEL = "ctr";

  private Fixtures() {}

  /** A feature record drawn from a seed: some numerics missing, categoricals from small vocabularies. */
  static CriteoFeatures features(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    CriteoFeatures f = new CriteoFeatures();
    for (int i = 0; i < 13; i++) {
      f.put(i, r.nextInt(10) == 0 ? null : (long) r.nextInt(200));
    }
    for (int i = 0; i < 26; i++) {
      f.put(13 + i, r.nextInt(20) == 0 ? null : String.format("%08x", r.nextInt(6)));
    }
    return f;
  }

  static Impression impression(String id, long time, long seed) {
    return new Impression(id, Instant.ofEpochMilli(time), features(seed));
  }

  static Click click(String id, long time) {
    return new Click(id, Instant.ofEpochMilli(time));
  }

  /**
   * A model whose wide and embedding rows cover every id the feature seeds {@code 0..n-1} produce, with
   * random values from {@code seed}, so scores differ between impressions and between models.
   */
  static WideDeepModel model(long seed, int n) {
    WideDeepModel m = WideDeepModel.create(SPEC);
    SplittableRandom r = new SplittableRandom(seed);
    Encoder enc = new Encoder(SPEC);
    Encoded e = enc.newEncoded();
    float[] row = new float[SPEC.embeddingDim()];
    for (int s = 0; s < n; s++) {
      enc.encode(features(s), e);
      long[] wide = e.wideIds();
      for (int f = 0; f < wide.length; f++) {
        m.wide().put(f, wide[f], new float[] {(float) (r.nextGaussian() * 0.3)});
      }
      long[] ids = e.ids();
      for (int f = 0; f < ids.length; f++) {
        for (int d = 0; d < row.length; d++) {
          row[d] = (float) (r.nextGaussian() * 0.1);
        }
        m.embeddings().put(f, ids[f], row.clone());
      }
    }
    m.tower().setBias((float) (r.nextGaussian() * 0.5));
    return m;
  }

  static ModelVersion version(long v, WideDeepModel m) {
    return new ModelVersion(MODEL, v, v - 1, 1_700_000_000_000L + v, 1_000 * v, Map.of(), Map.of("auc", 0.5 + v / 100.0),
        SPEC.toJson(), m.tower().toFlat(), 0);
  }

  /** Publishes a model into a store as one version, through the VersionSink methods (no Kafka). */
  static void commit(ModelStore store, long v, WideDeepModel m) {
    m.wide().forEach((field, id, values, offset) -> store.stage(Table.WIDE, field, id, values, offset, 1));
    m.embeddings().forEach((field, id, values, offset) -> store.stage(Table.EMBEDDING, field, id, values, offset, m.embeddings().dim()));
    store.commit(version(v, m));
  }

  /** The same model as the sparse deltas of a version (for publishing on Kafka). */
  static List<SparseDelta> deltas(WideDeepModel m) {
    SparseDelta wide = new SparseDelta(Table.WIDE, 1);
    m.wide().forEach(wide::put);
    SparseDelta emb = new SparseDelta(Table.EMBEDDING, SPEC.embeddingDim());
    m.embeddings().forEach(emb::put);
    return List.of(wide, emb);
  }

  /**
   * Fresh topics under a random prefix on the broker, with {@code m} published there as version 1.
   *
   * @param kafka the broker
   * @param letter the prefix's first letter (which test made them)
   * @param m the model
   * @return the topics
   */
  static Topics topicsWithVersion1(LocalKafka kafka, String letter,
      WideDeepModel m) {
    Topics topics = new Topics(
        letter + UUID.randomUUID().toString().substring(0, 8) + ".", 1);
    Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
    try (Admin admin = Admin.create(client)) {
      new TopicAdmin(admin, topics, (short) 1).create();
    }
    try (VersionPublisher pub = new VersionPublisher(client, topics,
        "pub-" + UUID.randomUUID())) {
      pub.publish(version(1, m), deltas(m), Map.of(), null);
    }
    return topics;
  }

  static ModelStore store(Path dir) throws java.io.IOException {
    return new ModelStore(dir.resolve("model"), SPEC.wideFieldCount(), SPEC.sparseCount(), 10_000);
  }

  static DeadLetters deadLetters(Topics topics) {
    return new DeadLetters(topics.name(Topics.DEAD_LETTER));
  }
}

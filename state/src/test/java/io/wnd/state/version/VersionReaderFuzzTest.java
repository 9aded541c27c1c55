package io.wnd.state.version;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.wnd.avro.DenseChunk;
import io.wnd.avro.ModelManifest;
import io.wnd.avro.ModelRecord;
import io.wnd.avro.SparseBlock;
import io.wnd.schemas.topics.Topics;
import io.wnd.schemas.wire.AvroSerde;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.store.ModelStore;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Property-based fuzzing of the version reader's record handling, into the real RocksDB model store: keys and
 * values of model records mutated (bit flips, truncation, lying sizes, other kinds, inconsistent blocks with
 * right checksums, tombstones) are applied or refused with a WARN — never an exception out of the reader (which
 * would stop the scorer's model thread), and a version that does not verify is never put in service. Seeded:
 * {@code -Dwnd.fuzz.seed=N}.
 */
class VersionReaderFuzzTest {
  static final long SEED = Long.getLong("wnd.fuzz.seed", 20261128L);
  static final int CASES = Integer.getInteger("wnd.fuzz.cases", 20_000);
  static final FeatureSpec SPEC = FeatureSpec.builtin("census");

  @TempDir
  Path dir;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void shouldApplyOrRefuseEveryRecordWithoutThrowing() throws Exception {
    AvroSerde<ModelRecord> serde = Topics.serdes(null).models();
    SplittableRandom r = new SplittableRandom(SEED);
    try (ModelStore store = new ModelStore(dir.resolve("m"), SPEC.wideFieldCount(), SPEC.sparseCount(), 1000);
        VersionReader reader = new VersionReader(Map.of("bootstrap.servers", "127.0.0.1:1"), Topics.defaults(), "m",
            store)) {
      reader.caughtUp = true;
      long offset = 0;
      int versions = 0;
      boolean previousValid = true;
      for (int i = 0; i < CASES; i++) {
        List<ConsumerRecord<String, byte[]>> batch = version(serde, r, ++versions, reader.current());
        int bad = r.nextInt(batch.size() + 1); // == size: the version is left valid
        if (bad < batch.size()) {
          var orig = batch.get(bad);
          batch.set(bad, new ConsumerRecord<>("t", 0, 0, mutateKey(r, orig.key()), mutate(r, serde, orig.value())));
        }
        long before = reader.current();
        for (var rec : batch) {
          var positioned = new ConsumerRecord<>("wnd.models", 0, offset++, rec.key(), rec.value());
          try {
            reader.handle(positioned);
          } catch (Throwable e) {
            fail("case " + i + " (seed " + SEED + "): " + e + " on " + rec.key() + " = "
                + (rec.value() == null ? "null" : HexFormat.of().formatHex(rec.value(), 0,
                Math.min(200, rec.value().length))), e);
          }
        }
        if (bad == batch.size() && previousValid) {
          // (after a broken version whose manifest was lost, its records count against the next one: refused)
          assertThat(reader.current()).as("case %d: a valid version after a valid one goes in service", i)
              .isEqualTo(versions);
        } else if (reader.current() != before) {
          // a mutation that left the version valid (e.g. a key with the same meaning) may be applied
          assertThat(reader.current()).isEqualTo(versions);
        }
        previousValid = bad == batch.size();
      }
      System.out.printf("VersionReaderFuzzTest: %d versions, %d applied, %d refused, seed %d%n", CASES,
          reader.applied(), reader.refused(), SEED);
      assertThat(reader.applied() + reader.refused()).isGreaterThan(CASES / 2);
    }
  }

  /** A small valid version whose parent is the version in service: two sparse blocks, a dense chunk, the manifest. */
  private static List<ConsumerRecord<String, byte[]>> version(AvroSerde<ModelRecord> serde, SplittableRandom r, long v,
      long parent) {
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    ModelRecords.Chain chain = new ModelRecords.Chain();
    for (Table t : List.of(Table.WIDE, Table.EMBEDDING)) {
      int dim = t == Table.WIDE ? 1 : SPEC.embeddingDim();
      int field = r.nextInt(SPEC.sparseCount());
      List<Long> ids = List.of(r.nextLong(), r.nextLong());
      float[] vals = new float[dim * ids.size()];
      for (int k = 0; k < vals.length; k++) {
        vals[k] = (float) r.nextGaussian();
      }
      ByteBuffer bytes = ByteBuffer.wrap(ModelRecords.floats(vals, 0, vals.length));
      long crc = ModelRecords.blockChecksum(ids, bytes);
      chain.add(crc);
      SparseBlock b = new SparseBlock("m", v, t.key(), Integer.toString(field), 0, dim, ids, bytes, crc);
      out.add(new ConsumerRecord<>("t", 0, 0, ModelRecords.sparseKey("m", t, field, ids.get(0)),
          serde.serialize("t", new ModelRecord(b))));
    }
    float[] dense = new float[io.wnd.state.model.DenseTower.forSpec(SPEC).paramCount()];
    ByteBuffer data = ByteBuffer.wrap(ModelRecords.floats(dense, 0, dense.length));
    long dcrc = ModelRecords.crc(data);
    out.add(new ConsumerRecord<>("t", 0, 0, ModelRecords.denseKey("m", 0),
        serde.serialize("t", new ModelRecord(new DenseChunk("m", v, 0, 1, data, dcrc)))));
    ModelManifest m = new ModelManifest("m", v, parent, Instant.ofEpochMilli(1_700_000_000_000L), v, List.of(),
        Map.of("auc", 0.5), SPEC.toJson(), 1, dcrc, chain.count(), chain.value(), 100L);
    out.add(new ConsumerRecord<>("t", 0, 0, ModelRecords.manifestKey("m", v), serde.serialize("t", new ModelRecord(m))));
    return out;
  }

  private static String mutateKey(SplittableRandom r, String key) {
    return switch (r.nextInt(6)) {
      case 0 -> key.replace("/s/", "/d/");
      case 1 -> key.substring(0, r.nextInt(key.length() + 1));
      case 2 -> key + "/" + r.nextInt();
      case 3 -> key.replaceFirst("/\\d+/", "/" + (r.nextBoolean() ? -1 : 1 << 30) + "/");
      default -> key;
    };
  }

  private static byte[] mutate(SplittableRandom r, AvroSerde<ModelRecord> serde, byte[] v) {
    if (r.nextInt(10) == 0) {
      return null; // a tombstone
    }
    ModelRecord rec = serde.deserialize("t", v);
    if (r.nextInt(3) == 0 && rec.getPart() instanceof SparseBlock b) {
      // structurally wrong but with a right checksum: what a buggy writer in another language could send
      SparseBlock w = SparseBlock.newBuilder(b).build();
      switch (r.nextInt(3)) {
        case 0 -> w.setDim(r.nextBoolean() ? 0 : -3);
        case 1 -> w.setDim(b.getDim() + 1 + r.nextInt(100));
        default -> w.setIds(List.of(1L, 2L, 3L, 4L, 5L));
      }
      w.setChecksum(ModelRecords.blockChecksum(w.getIds(), w.getValues()));
      return serde.serialize("t", new ModelRecord(w));
    }
    if (r.nextInt(4) == 0 && rec.getPart() instanceof ModelManifest m) {
      ModelManifest w = ModelManifest.newBuilder(m).build();
      switch (r.nextInt(3)) {
        case 0 -> w.setSpec("{\"name\": 1}");
        case 1 -> w.setDenseChunks(Integer.MAX_VALUE);
        default -> w.setSparseBlocks(-1);
      }
      return serde.serialize("t", new ModelRecord(w));
    }
    byte[] b = v.clone();
    switch (r.nextInt(3)) {
      case 0 -> b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
      case 1 -> b = Arrays.copyOf(b, r.nextInt(b.length));
      default -> {
        b = Arrays.copyOf(b, b.length + 4);
        b[b.length - 1] = (byte) r.nextInt(256);
      }
    }
    return b;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}

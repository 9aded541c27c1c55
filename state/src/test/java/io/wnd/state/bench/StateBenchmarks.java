package io.wnd.state.bench;

import io.wnd.avro.CriteoFeatures;
import io.wnd.state.encode.Encoded;
import io.wnd.state.encode.Encoder;
import io.wnd.state.model.ForwardPass;
import io.wnd.state.model.WideDeepModel;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.store.ModelStore;
import io.wnd.state.store.ModelView;
import io.wnd.state.version.ModelVersion;
import io.wnd.state.version.Table;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH benchmarks of the state module's hot loops. Run:
 * {@code mvn -q -pl state test-compile && java -cp state/target/test-classes:state/target/classes:<test classpath>
 * org.openjdk.jmh.Main StateBenchmarks} (the README gives the exact command).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class StateBenchmarks {

  /** A synthetic Criteo-layout record: ids drawn from 1,000 values per field, some fields missing. */
  static CriteoFeatures record(SplittableRandom r) {
    CriteoFeatures f = new CriteoFeatures();
    for (int i = 0; i < 13; i++) {
      f.put(i, r.nextInt(10) == 0 ? null : (Long) (long) r.nextInt(1_000));
    }
    for (int i = 0; i < 26; i++) {
      f.put(13 + i, r.nextInt(20) == 0 ? null : String.format("%08x", r.nextInt(1_000)));
    }
    return f;
  }

  /** Encoding one event. */
  @State(Scope.Thread)
  public static class EncodeState {
    Encoder encoder;
    Encoded reuse;
    CriteoFeatures[] records = new CriteoFeatures[1024];
    int i;

    @Setup
    public void setup() {
      FeatureSpec spec = FeatureSpec.builtin("criteo");
      encoder = new Encoder(spec);
      reuse = encoder.newEncoded();
      SplittableRandom r = new SplittableRandom(1);
      for (int k = 0; k < records.length; k++) {
        records[k] = record(r);
      }
    }
  }

  @Benchmark
  public Encoded encodeCriteoEvent(EncodeState s) {
    return s.encoder.encode(s.records[s.i++ & 1023], s.reuse);
  }

  /** The plain-Java forward pass at batch 1, every id of the event with a row. */
  @State(Scope.Thread)
  public static class ForwardState {
    @Param({"criteo", "criteo-large"})
    String spec;
    ForwardPass pass;
    Encoded[] events = new Encoded[256];
    int i;

    @Setup
    public void setup() {
      FeatureSpec s = FeatureSpec.builtin(spec);
      Encoder encoder = new Encoder(s);
      WideDeepModel model = WideDeepModel.create(s);
      SplittableRandom r = new SplittableRandom(2);
      for (int k = 0; k < events.length; k++) {
        events[k] = encoder.encode(record(r), encoder.newEncoded());
        fill(model, events[k], r);
      }
      pass = new ForwardPass(model);
    }
  }

  static void fill(WideDeepModel model, Encoded e, SplittableRandom r) {
    for (int f = 0; f < e.wideIds().length; f++) {
      model.wide().put(f, e.wideIds()[f], new float[] {(float) (r.nextDouble() - 0.5) * 0.1f});
    }
    float[] row = new float[model.embeddings().dim()];
    for (int f = 0; f < e.ids().length; f++) {
      for (int j = 0; j < row.length; j++) {
        row[j] = (float) (r.nextDouble() - 0.5) * 0.1f;
      }
      model.embeddings().put(f, e.ids()[f], row);
    }
  }

  @Benchmark
  public double forwardPassBatch1(ForwardState s) {
    return s.pass.probability(s.events[s.i++ & 255]);
  }

  /** Store lookups of one embedding row: from the hot-row cache, and from RocksDB (cache disabled). */
  @State(Scope.Thread)
  public static class StoreState {
    @Param({"hit", "miss"})
    String mode;
    Path dir;
    ModelStore store;
    ModelView view;
    long[] ids = new long[100_000];
    float[] dst = new float[8];
    int i;

    @Setup(Level.Trial)
    public void setup() throws IOException {
      dir = Files.createTempDirectory("wnd-jmh-store");
      store = new ModelStore(dir.resolve("db"), 1, 1, "hit".equals(mode) ? 1_000_000 : 0);
      SplittableRandom r = new SplittableRandom(3);
      float[] row = new float[8];
      for (int k = 0; k < ids.length; k++) {
        ids[k] = r.nextLong();
        store.stage(Table.EMBEDDING, 0, ids[k], row, 0, 8);
      }
      store.commit(new ModelVersion("bench", 1, 0, 0, 0, Map.of(), Map.of(), "{}", new float[1], 0));
      view = store.acquire();
      if ("hit".equals(mode)) {
        for (long id : ids) {
          view.read(Table.EMBEDDING, 0, id, dst, 0);
        }
      }
      // read in another order than cached: a scorer caches rows as impressions first bring them, and reads them as
      // later ones do, so cached rows that lie side by side in memory are not read one after the other
      for (int k = ids.length - 1; k > 0; k--) {
        int j = r.nextInt(k + 1);
        long t = ids[k];
        ids[k] = ids[j];
        ids[j] = t;
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      view.close();
      store.close();
    }
  }

  @Benchmark
  public boolean storeLookup(StoreState s) {
    return s.view.read(Table.EMBEDDING, 0, s.ids[(s.i++ & Integer.MAX_VALUE) % s.ids.length], s.dst, 0);
  }
}

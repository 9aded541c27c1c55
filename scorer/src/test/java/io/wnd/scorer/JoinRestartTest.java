package io.wnd.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wnd.avro.Impression;
import io.wnd.avro.LabelledExample;
import io.wnd.avro.Score;
import io.wnd.schemas.deadletter.DeadLetters;
import io.wnd.schemas.topics.Topics;
import io.wnd.scorer.internals.JoinProcessor;
import io.wnd.scorer.internals.Scored;
import io.wnd.scorer.internals.StoreSerdes;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The join across a restart of its task, on the same stores: what a restarted processor knows it reads from them at
 * {@code init}, not from the instance before (the TopologyTestDriver wipes its stores on close, so this drives the
 * processor itself).
 */
class JoinRestartTest {
  private static final long T0 = 1_700_000_000_000L;

  @TempDir
  Path dir;

  @ParameterizedTest(name = "a look every {0} ms")
  @ValueSource(longs = {1, 10, 100})
  void shouldMatchAClickThatWaitedForItsImpressionAcrossARestart(long punctuateMs) throws Exception {
    Topics topics = Topics.defaults();
    Topics.Serdes serdes = Topics.serdes(null);
    DeadLetters deadLetters = Fixtures.deadLetters(topics);
    try (ModelProvider provider = new ModelProvider(Fixtures.store(dir), Fixtures.SPEC)) {
      var metrics = new ScorerMetrics(new SimpleMeterRegistry(), deadLetters, provider);
      var settings = new ScorerTopology.Settings(topics, Fixtures.SPEC, Fixtures.MODEL, 10_000, 2_000, punctuateMs, 0.1,
          100);
      MockProcessorContext<Object, Object> context = joinContext(topics, serdes);

      JoinProcessor before = new JoinProcessor(settings, serdes, metrics, deadLetters);
      before.init(context);
      before.process(new Record<>("a", Fixtures.click("a", T0 + 500), T0 + 500));
      before.close();
      assertThat(context.forwarded()).isEmpty();

      // the task restarts on the same stores; the click's impression comes next
      JoinProcessor after = new JoinProcessor(settings, serdes, metrics, deadLetters);
      after.init(context);
      Impression imp = Fixtures.impression("a", T0, 1);
      Score score = new Score("a", 0.25, -1.0986, Fixtures.MODEL, 1L, Instant.ofEpochMilli(T0), Instant.ofEpochMilli(T0));
      after.process(new Record<>("a", new Scored(imp, score), T0));

      List<MockProcessorContext.CapturedForward<?, ?>> out = List.copyOf(context.forwarded());
      assertThat(out).hasSize(1);
      assertThat(out.get(0).childName()).hasValue(ScorerTopology.EXAMPLES_SINK);
      LabelledExample example = serdes.examples().deserialize("t", (byte[]) out.get(0).record().value());
      assertThat(example.getLabel()).isEqualTo(1);
      assertThat(example.getClickTime()).isEqualTo(Instant.ofEpochMilli(T0 + 500));
    }
  }

  @Test
  void shouldKnowWhichEntriesClosedAcrossARestartFromTheCloseCursorAlone() throws Exception {
    Topics topics = Topics.defaults();
    Topics.Serdes serdes = Topics.serdes(null);
    DeadLetters deadLetters = Fixtures.deadLetters(topics);
    try (ModelProvider provider = new ModelProvider(Fixtures.store(dir), Fixtures.SPEC)) {
      var metrics = new ScorerMetrics(new SimpleMeterRegistry(), deadLetters, provider);
      long window = 10_000;
      long grace = 2_000;
      var settings = new ScorerTopology.Settings(topics, Fixtures.SPEC, Fixtures.MODEL, window, grace, 100, 0.1, 100);
      MockProcessorContext<Object, Object> context = joinContext(topics, serdes);

      // a's window closes before the restart (its negative goes out), x's does not
      JoinProcessor before = new JoinProcessor(settings, serdes, metrics, deadLetters);
      before.init(context);
      before.process(scored("a", T0, 1));
      before.process(scored("x", T0 + 5_000, 2));
      before.process(scored("y", T0 + window + grace, 3));
      before.close();
      assertThat(negatives(context)).containsExactly("a");
      context.resetForwards();

      JoinProcessor after = new JoinProcessor(settings, serdes, metrics, deadLetters);
      after.init(context);
      // a click on a, inside its window, is late: its negative was sent before the restart
      after.process(new Record<>("a", Fixtures.click("a", T0 + 1), T0 + 1));
      assertThat(metrics.outcomeCount(ScorerMetrics.LATE_CLICK)).isEqualTo(1);
      // the looks after the restart send x's negative once, and not a's again
      after.process(scored("z", T0 + 5_000 + window + grace, 4));
      after.process(scored("w", T0 + 5_000 + window + grace + 500, 5));
      assertThat(negatives(context)).containsExactly("x");
      assertThat(metrics.outcomeCount(ScorerMetrics.NEGATIVE)).isEqualTo(2);
    }
  }

  /** A processor context at T0 with the join's four stores (in memory, shared by the processors made on it). */
  private static MockProcessorContext<Object, Object> joinContext(Topics topics, Topics.Serdes serdes) {
    StoreSerdes storeSerdes = new StoreSerdes();
    MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
    context.setCurrentSystemTimeMs(T0);
    context.setRecordMetadata(topics.name(Topics.CLICKS), 0, 0);
    store(context, ScorerTopology.HELD_STORE, Serdes.String(), serdes.impressions());
    store(context, ScorerTopology.JOIN_STORE, Serdes.String(), storeSerdes.joinEntry());
    store(context, ScorerTopology.EARLY_CLICKS_STORE, Serdes.String(), storeSerdes.earlyClick());
    store(context, ScorerTopology.EXPIRY_STORE, Serdes.Bytes(), Serdes.ByteArray());
    return context;
  }

  private static Record<String, Object> scored(String id, long time, int seed) {
    Impression imp = Fixtures.impression(id, time, seed);
    Score score = new Score(id, 0.25, -1.0986, Fixtures.MODEL, 1L, Instant.ofEpochMilli(time), Instant.ofEpochMilli(time));
    return new Record<>(id, new Scored(imp, score), time);
  }

  /** The ids of the examples forwarded with label 0. */
  private static List<String> negatives(MockProcessorContext<Object, Object> context) {
    Topics.Serdes serdes = Topics.serdes(null);
    return context.forwarded().stream()
        .filter(f -> f.childName().orElse("").equals(ScorerTopology.EXAMPLES_SINK))
        .map(f -> serdes.examples().deserialize("t", (byte[]) f.record().value()))
        .filter(e -> e.getLabel() == 0)
        .map(e -> e.getImpressionId().toString())
        .toList();
  }

  private static <K, V> void store(MockProcessorContext<Object, Object> context, String name, Serde<K> keys,
      Serde<V> values) {
    KeyValueStore<K, V> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), keys, values)
        .withLoggingDisabled().build();
    store.init(context.getStateStoreContext(), store);
    context.addStateStore(store);
  }
}

package io.wnd.scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wnd.avro.Click;
import io.wnd.avro.Impression;
import io.wnd.avro.LabelledExample;
import io.wnd.avro.Score;
import io.wnd.schemas.deadletter.DeadLetterHandler;
import io.wnd.schemas.deadletter.DeadLetters;
import io.wnd.schemas.topics.Topics;
import io.wnd.scorer.internals.JoinEntry;
import io.wnd.scorer.internals.JoinProcessor;
import io.wnd.state.encode.Encoder;
import io.wnd.state.model.ForwardPass;
import io.wnd.state.model.WideDeepModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.SchemaStore;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScorerTopologyTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final long WINDOW = 10_000;
  private static final long GRACE = 2_000;

  @TempDir
  Path dir;

  private Harness h;

  @AfterEach
  void close() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  @Test
  void shouldScoreEveryImpressionWithTheProbabilityOfAnIndependentForwardPass() throws Exception {
    h = new Harness(Double.NaN);
    WideDeepModel m = Fixtures.model(1, 20);
    Fixtures.commit(h.provider.store(), 1, m);
    for (int i = 0; i < 20; i++) {
      h.impressions.pipeInput("i" + i, Fixtures.impression("i" + i, T0 + i, i));
    }
    Map<String, Score> scores = h.scores();
    assertThat(scores).hasSize(20);
    ForwardPass pass = new ForwardPass(m);
    Encoder enc = new Encoder(Fixtures.SPEC);
    for (int i = 0; i < 20; i++) {
      Score s = scores.get("i" + i);
      double logit = pass.logit(enc.encode(Fixtures.features(i), enc.newEncoded()));
      assertThat(s.getLogit()).as("logit of i%d", i).isCloseTo(logit, within(1e-9));
      assertThat(s.getProbability()).isCloseTo(ForwardPass.sigmoid(logit), within(1e-9));
      assertThat(s.getVersion()).isEqualTo(1);
      assertThat(s.getModel()).isEqualTo(Fixtures.MODEL);
      assertThat(s.getEventTime().toEpochMilli()).isEqualTo(T0 + i);
      assertThat(s.getScoredAt()).isNotNull();
    }
    assertThat(scores.values().stream().map(Score::getProbability).distinct().count())
        .as("scores differ between impressions").isGreaterThan(10);
    assertThat(h.metrics.scoredCount()).isEqualTo(20);
  }

  @Test
  void shouldStampTheVersionInServiceInEveryScoreAcrossASwap() throws Exception {
    h = new Harness(Double.NaN);
    WideDeepModel v1 = Fixtures.model(1, 10);
    WideDeepModel v2 = Fixtures.model(2, 10);
    Fixtures.commit(h.provider.store(), 1, v1);
    h.impressions.pipeInput("a", Fixtures.impression("a", T0, 3));
    Fixtures.commit(h.provider.store(), 2, v2);
    h.impressions.pipeInput("b", Fixtures.impression("b", T0 + 1, 3));
    Map<String, Score> s = h.scores();
    Encoder enc = new Encoder(Fixtures.SPEC);
    assertThat(s.get("a").getVersion()).isEqualTo(1);
    assertThat(s.get("a").getProbability())
        .isCloseTo(new ForwardPass(v1).probability(enc.encode(Fixtures.features(3), enc.newEncoded())), within(1e-9));
    assertThat(s.get("b").getVersion()).isEqualTo(2);
    assertThat(s.get("b").getProbability())
        .isCloseTo(new ForwardPass(v2).probability(enc.encode(Fixtures.features(3), enc.newEncoded())), within(1e-9));
    assertThat(s.get("a").getProbability()).isNotEqualTo(s.get("b").getProbability());
  }

  @Test
  void shouldHoldImpressionsUntilTheFirstVersionAndThenScoreEachOnce() throws Exception {
    h = new Harness(Double.NaN);
    h.impressions.pipeInput("a", Fixtures.impression("a", T0, 1));
    h.impressions.pipeInput("b", Fixtures.impression("b", T0 + 1, 2));
    h.driver.advanceWallClockTime(Duration.ofSeconds(1));
    assertThat(h.scoresTopic.isEmpty()).as("nothing scored before a version").isTrue();
    // a click on a held impression is not an orphan, however long the wait
    h.clicks.pipeInput("a", Fixtures.click("a", T0 + 100));
    h.impressions.pipeInput("c", Fixtures.impression("c", T0 + 5 * GRACE, 3));
    assertThat(h.deadLetters.total()).isZero();

    Fixtures.commit(h.provider.store(), 7, Fixtures.model(1, 5));
    h.driver.advanceWallClockTime(Duration.ofSeconds(1));
    Map<String, Score> s = h.scores();
    assertThat(s.keySet()).containsExactlyInAnyOrder("a", "b", "c");
    assertThat(s.values()).extracting(Score::getVersion).containsOnly(7L);
    Map<String, LabelledExample> ex = h.examples();
    assertThat(ex).containsKey("a");
    assertThat(ex.get("a").getLabel()).isEqualTo(1);
  }

  @Test
  void shouldScoreWithThePriorAsVersionZeroWhatTheFullHeldStoreCannotTake() throws Exception {
    h = new Harness(Double.NaN, 2, 0.1);
    for (int i = 0; i < 4; i++) {
      h.impressions.pipeInput("i" + i, Fixtures.impression("i" + i, T0 + i, i));
    }
    h.driver.advanceWallClockTime(Duration.ofSeconds(1));
    Map<String, Score> overflow = h.scores();
    assertThat(overflow.keySet()).as("held: i0, i1; the store is full for i2, i3")
        .containsExactlyInAnyOrder("i2", "i3");
    for (Score s : overflow.values()) {
      assertThat(s.getVersion()).isZero();
      assertThat(s.getProbability()).isCloseTo(0.1, within(1e-12));
      assertThat(s.getLogit()).isCloseTo(Math.log(0.1 / 0.9), within(1e-12));
    }
    assertThat(h.metrics.holdOverflowCount()).isEqualTo(2);
    assertThat(h.metrics.registry().get("wnd.scorer.hold.overflow").counter().count()).isEqualTo(2);
    assertThat(h.metrics.registry().get("wnd.scorer.held").counter().count()).isEqualTo(2);

    Fixtures.commit(h.provider.store(), 3, Fixtures.model(1, 5));
    h.driver.advanceWallClockTime(Duration.ofSeconds(1));
    Map<String, Score> held = h.scores();
    assertThat(held.keySet()).as("the held ones, once each").containsExactlyInAnyOrder("i0", "i1");
    assertThat(held.values()).extracting(Score::getVersion).containsOnly(3L);
    // a repeat of an overflowed impression is a duplicate, not scored again
    h.impressions.pipeInput("i2", Fixtures.impression("i2", T0 + 2, 2));
    assertThat(h.scoresTopic.isEmpty()).isTrue();
    assertThat(h.metrics.outcomeCount(ScorerMetrics.DUPLICATE_IMPRESSION)).isEqualTo(1);
  }

  @Test
  void shouldHoldNothingWhenTheHeldStoreBoundIsZero() throws Exception {
    h = new Harness(Double.NaN, 0, 0.3);
    h.impressions.pipeInput("a", Fixtures.impression("a", T0, 1));
    Score s = h.scores().get("a");
    assertThat(s.getVersion()).isZero();
    assertThat(s.getProbability()).isCloseTo(0.3, within(1e-12));
    assertThat(h.metrics.holdOverflowCount()).isEqualTo(1);
  }

  @Test
  void shouldServeThePriorAsVersionZeroBeforeAnyVersion() throws Exception {
    h = new Harness(0.2);
    h.impressions.pipeInput("a", Fixtures.impression("a", T0, 1));
    Score s = h.scores().get("a");
    assertThat(s.getVersion()).isZero();
    assertThat(s.getProbability()).isCloseTo(0.2, within(1e-12));
    assertThat(s.getLogit()).isCloseTo(Math.log(0.2 / 0.8), within(1e-12));
  }

  @Test
  void shouldEmitAPositiveForAClickInsideTheWindowWhicheverArrivesFirst() throws Exception {
    h = withModel();
    h.impressions.pipeInput("a", Fixtures.impression("a", T0, 1));
    h.clicks.pipeInput("a", Fixtures.click("a", T0 + 500));
    // out of order: the click before its impression
    h.clicks.pipeInput("b", Fixtures.click("b", T0 + 900));
    h.impressions.pipeInput("b", Fixtures.impression("b", T0 + 100, 2));
    Map<String, LabelledExample> ex = h.examples();
    Map<String, Score> scores = h.scores();
    assertThat(ex.keySet()).containsExactlyInAnyOrder("a", "b");
    for (String id : List.of("a", "b")) {
      LabelledExample e = ex.get(id);
      assertThat(e.getLabel()).isEqualTo(1);
      assertThat(e.getServedProbability()).isEqualTo(scores.get(id).getProbability());
      assertThat(e.getServedVersion()).isEqualTo(1L);
      assertThat(e.getServedModel()).isEqualTo(Fixtures.MODEL);
    }
    assertThat(ex.get("a").getImpressionTime().toEpochMilli()).isEqualTo(T0);
    assertThat(ex.get("a").getClickTime().toEpochMilli()).isEqualTo(T0 + 500);
    assertThat(ex.get("b").getClickTime().toEpochMilli()).isEqualTo(T0 + 900);
    assertThat(ex.get("b").getFeatures()).isEqualTo(Fixtures.features(2));
    assertThat(h.metrics.earlyClickCount()).as("b's click waited for its impression").isEqualTo(1);
    // nothing more when the windows close
    h.impressions.pipeInput("z", Fixtures.impression("z", T0 + WINDOW + GRACE + 1_000, 3));
    assertThat(h.exampleTopic.isEmpty()).isTrue();
    assertThat(h.deadLetters.total()).isZero();
  }

  @Test
  void shouldEmitANegativeOnlyWhenStreamTimePassesTheWindowAndGrace() throws Exception {
    h = withModel();
    h.impressions.pipeInput("a", Fixtures.impression("a", T0, 1));
    h.impressions.pipeInput("x", Fixtures.impression("x", T0 + WINDOW + GRACE - 1, 2));
    assertThat(h.exampleTopic.isEmpty()).as("window + grace not over yet").isTrue();
    h.impressions.pipeInput("y", Fixtures.impression("y", T0 + WINDOW + GRACE, 3));
    TestRecord<String, LabelledExample> r = h.exampleTopic.readRecord();
    assertThat(r.key()).isEqualTo("a");
    assertThat(r.value().getLabel()).isZero();
    assertThat(r.value().getClickTime()).isNull();
    assertThat(r.value().getServedVersion()).isEqualTo(1L);
    assertThat(r.value().getFeatures()).isEqualTo(Fixtures.features(1));
    assertThat(h.exampleTopic.isEmpty()).isTrue();
    assertThat(h.metrics.outcomeCount(ScorerMetrics.NEGATIVE)).isEqualTo(1);
    // closing wrote no entry: the look's close cursor says a is closed and x is not
    org.apache.kafka.streams.state.KeyValueStore<String, JoinEntry> joined =
        h.driver.getKeyValueStore(ScorerTopology.JOIN_STORE);
    assertThat(joined.get("a").state()).isEqualTo(JoinEntry.OPEN_UNTIL);
    assertThat(joined.get("a").closeAt()).isEqualTo(T0 + WINDOW + GRACE);
    assertThat(joined.get("a").isOpen(closeCursor())).isFalse();
    assertThat(joined.get("x").isOpen(closeCursor())).isTrue();
    // so a click on a now, inside its window, is late (no second example), and one on x makes x's positive
    h.clicks.pipeInput("a", Fixtures.click("a", T0 + 1));
    assertThat(h.exampleTopic.isEmpty()).isTrue();
    assertThat(h.metrics.outcomeCount(ScorerMetrics.LATE_CLICK)).isEqualTo(1);
    h.clicks.pipeInput("x", Fixtures.click("x", T0 + WINDOW + GRACE));
    assertThat(h.examples().get("x").getLabel()).isEqualTo(1);
    assertThat(joined.get("x").state()).isEqualTo(JoinEntry.POSITIVE);
    // nor does a later look send a's negative again
    h.impressions.pipeInput("z", Fixtures.impression("z", T0 + WINDOW + GRACE + 500, 4));
    assertThat(h.exampleTopic.isEmpty()).isTrue();
    assertThat(h.metrics.outcomeCount(ScorerMetrics.NEGATIVE)).isEqualTo(1);
  }

  /** The close cursor of the (single) task's join, from its deadline store. */
  private long closeCursor() {
    return JoinProcessor.closeCursor(h.driver.getKeyValueStore(ScorerTopology.EXPIRY_STORE));
  }

  @Test
  void shouldAlsoLookForClosedWindowsAfterEnoughImpressionsBetweenTwoLooksInEventTime() throws Exception {
    h = withModel();
    h.impressions.pipeInput("a", Fixtures.impression("a", T0 + 30, 1));
    // a look at a clock just past a 100 ms boundary; the next one by time is 100 ms later
    h.impressions.pipeInput("b", Fixtures.impression("b", T0 + WINDOW + GRACE + 10, 2));
    assertThat(h.exampleTopic.isEmpty()).isTrue();
    // the clock passes a's deadline (T0 + WINDOW + GRACE + 30) but not the boundary: a's window closes at the look
    // that comes after LOOK_EVERY impressions
    for (int i = 1; i < JoinProcessor.LOOK_EVERY; i++) {
      h.impressions.pipeInput("c" + i, Fixtures.impression("c" + i, T0 + WINDOW + GRACE + 40, 3));
    }
    assertThat(h.exampleTopic.isEmpty()).isTrue();
    h.impressions.pipeInput("d", Fixtures.impression("d", T0 + WINDOW + GRACE + 40, 4));
    assertThat(h.examples()).containsOnlyKeys("a");
    assertThat(closeCursor()).isEqualTo(T0 + WINDOW + GRACE + 40);
  }

  @Test
  void shouldKeepOneDeadlineAnImpressionFromItsScoreUntilItIsForgottenAWindowAfterItsWindowClosed() throws Exception {
    h = withModel();
    org.apache.kafka.streams.state.KeyValueStore<String, JoinEntry> joined =
        h.driver.getKeyValueStore(ScorerTopology.JOIN_STORE);
    h.impressions.pipeInput("a", Fixtures.impression("a", T0, 1));
    assertThat(deadlinesOf("a")).as("its close key").hasSize(1);
    // a's window closes: the negative goes out, its close key stays (the scan that closes does not delete it), and
    // the store remembers how far closing got, for a restart
    long closedAt = T0 + WINDOW + GRACE;
    h.impressions.pipeInput("x", Fixtures.impression("x", closedAt, 2));
    assertThat(h.examples()).containsOnlyKeys("a");
    assertThat(joined.get("a").isOpen(closeCursor())).isFalse();
    assertThat(deadlinesOf("a")).hasSize(1);
    org.apache.kafka.streams.state.KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]> deadlines =
        h.driver.getKeyValueStore(ScorerTopology.EXPIRY_STORE);
    byte[] cursor = deadlines.get(org.apache.kafka.common.utils.Bytes.wrap(new byte[] {0, 'c', 'l', 'o', 's', 'e'}));
    assertThat(java.nio.ByteBuffer.wrap(cursor).getLong()).isEqualTo(closedAt);
    // one window later a is still remembered (a click now is late, not an orphan); then it is forgotten
    h.impressions.pipeInput("y", Fixtures.impression("y", closedAt + WINDOW - 1, 3));
    assertThat(joined.get("a")).isNotNull();
    h.impressions.pipeInput("z", Fixtures.impression("z", closedAt + WINDOW, 4));
    assertThat(joined.get("a")).isNull();
    assertThat(deadlinesOf("a")).isEmpty();
    assertThat(joined.get("x").isOpen(closeCursor())).as("x's window is still open").isTrue();
    assertThat(deadlinesOf("x")).hasSize(1);
    assertThat(h.metrics.outcomeCount(ScorerMetrics.NEGATIVE)).isEqualTo(1);
  }

  /** The deadline store's keys of an impression id (its keys end with the id's bytes). */
  private List<String> deadlinesOf(String id) {
    org.apache.kafka.streams.state.KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]> deadlines =
        h.driver.getKeyValueStore(ScorerTopology.EXPIRY_STORE);
    List<String> out = new java.util.ArrayList<>();
    try (var it = deadlines.all()) {
      while (it.hasNext()) {
        byte[] k = it.next().key.get();
        if (k.length == 9 + id.length() && new String(k, 9, k.length - 9, StandardCharsets.UTF_8).equals(id)) {
          out.add((char) k[0] + "@" + java.nio.ByteBuffer.wrap(k, 1, 8).getLong());
        }
      }
    }
    return out;
  }

  @Test
  void shouldCloseTheWindowOfAnImpressionThatArrivesOutOfOrderBehindTheLastExpiryScan() throws Exception {
    h = withModel();
    h.impressions.pipeInput("a", Fixtures.impression("a", T0, 1));
    // stream time passes a's window and grace: a's negative goes out, and the expiry scan moves past that time
    h.impressions.pipeInput("x", Fixtures.impression("x", T0 + 2 * WINDOW, 2));
    assertThat(h.examples()).containsOnlyKeys("a");
    // an impression from before the last scan (older than stream time, not older than the join remembers): its
    // window is already over in stream time, and a look past its deadline was made: its negative goes out at once
    h.impressions.pipeInput("late", Fixtures.impression("late", T0 + 1_000, 3));
    assertThat(h.examples()).containsOnlyKeys("late");
    // so does one whose deadline is the last look's clock exactly (that look closed every deadline up to it)
    long cursor = closeCursor();
    h.impressions.pipeInput("edge", Fixtures.impression("edge", cursor - WINDOW - GRACE, 4));
    assertThat(h.examples()).containsOnlyKeys("edge");
    // and one a millisecond later waits for the next look
    h.impressions.pipeInput("next", Fixtures.impression("next", cursor - WINDOW - GRACE + 1, 5));
    assertThat(h.exampleTopic.isEmpty()).isTrue();
    h.impressions.pipeInput("y", Fixtures.impression("y", T0 + 2 * WINDOW + 500, 6));
    Map<String, LabelledExample> ex = h.examples();
    assertThat(ex).containsOnlyKeys("next");
    assertThat(ex.get("next").getLabel()).isZero();
    assertThat(h.metrics.outcomeCount(ScorerMetrics.NEGATIVE)).isEqualTo(4);
    // their clicks, inside their windows, are late; the forgetting scan finds their deadlines a window later
    h.clicks.pipeInput("late", Fixtures.click("late", T0 + 1_001));
    h.clicks.pipeInput("edge", Fixtures.click("edge", cursor - WINDOW - GRACE + 1));
    assertThat(h.metrics.outcomeCount(ScorerMetrics.LATE_CLICK)).isEqualTo(2);
    assertThat(deadlinesOf("late")).containsExactly("W@" + cursor);
    h.impressions.pipeInput("z", Fixtures.impression("z", T0 + 4 * WINDOW, 7));
    assertThat(deadlinesOf("late")).isEmpty();
    assertThat(deadlinesOf("edge")).isEmpty();
    assertThat(h.examples()).containsOnlyKeys("x", "y");
  }

  @Test
  void shouldCloseEntriesWrittenBeforeClosingStoppedRewritingThemAsBefore() throws Exception {
    h = withModel();
    org.apache.kafka.streams.state.KeyValueStore<String, JoinEntry> joined =
        h.driver.getKeyValueStore(ScorerTopology.JOIN_STORE);
    org.apache.kafka.streams.state.KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]> deadlines =
        h.driver.getKeyValueStore(ScorerTopology.EXPIRY_STORE);
    h.impressions.pipeInput("a", Fixtures.impression("a", T0, 1));
    h.impressions.pipeInput("b", Fixtures.impression("b", T0 + 1, 2));
    // a as an earlier build stored it: open (state 0, no deadline in the entry)
    JoinEntry now = joined.get("a");
    joined.put("a", new JoinEntry(JoinEntry.OPEN, T0, 0, now.example()));
    h.impressions.pipeInput("x", Fixtures.impression("x", T0 + WINDOW + GRACE + 1, 3));
    assertThat(h.examples()).containsOnlyKeys("a", "b");
    assertThat(joined.get("a").state()).as("rewritten when it closed, as before").isEqualTo(JoinEntry.NEGATIVE);
    assertThat(joined.get("b").state()).isEqualTo(JoinEntry.OPEN_UNTIL);
    // an earlier build put a late impression's deadline at the cursor, for the next look to close (it scans from
    // the cursor itself); the entries of this build there (closed by the look at the cursor) are not sent again
    long cursor = closeCursor();
    h.impressions.pipeInput("c", Fixtures.impression("c", T0, 4));
    h.impressions.pipeInput("d", Fixtures.impression("d", cursor - WINDOW - GRACE, 5));
    assertThat(h.examples()).containsOnlyKeys("c", "d");
    h.impressions.pipeInput("old", Fixtures.impression("old", cursor + 1, 6));
    JoinEntry old = joined.get("old");
    joined.put("old", new JoinEntry(JoinEntry.OPEN, T0 + 3, 0, old.example()));
    deadlines.put(org.apache.kafka.common.utils.Bytes.wrap(java.nio.ByteBuffer.allocate(9 + 3).put((byte) 'W')
        .putLong(cursor).put("old".getBytes(StandardCharsets.UTF_8)).array()), new byte[0]);
    h.impressions.pipeInput("y", Fixtures.impression("y", cursor + 100, 7));
    assertThat(h.examples()).containsOnlyKeys("old");
    assertThat(h.metrics.outcomeCount(ScorerMetrics.NEGATIVE)).isEqualTo(5);
  }

  @Test
  void shouldTakeALateClickWithinGraceAndDeadLetterOneAfterTheWindowClosed() throws Exception {
    h = withModel();
    h.impressions.pipeInput("a", Fixtures.impression("a", T0, 1));
    h.impressions.pipeInput("b", Fixtures.impression("b", T0, 2));
    // stream time moves past a's window but not its grace: a's click, inside the window, still counts
    h.impressions.pipeInput("x", Fixtures.impression("x", T0 + WINDOW + GRACE / 2, 3));
    h.clicks.pipeInput("a", Fixtures.click("a", T0 + WINDOW - 1));
    // stream time passes the grace: b's negative goes out; then b's click (inside its window) is too late
    h.impressions.pipeInput("y", Fixtures.impression("y", T0 + WINDOW + GRACE, 4));
    h.clicks.pipeInput("b", Fixtures.click("b", T0 + 10));
    Map<String, LabelledExample> ex = h.examples();
    assertThat(ex.get("a").getLabel()).isEqualTo(1);
    assertThat(ex.get("b").getLabel()).isZero();
    TestRecord<byte[], byte[]> dead = h.deadLetterTopic.readRecord();
    assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("b");
    assertThat(DeadLetters.header(dead.headers(), DeadLetters.REASON)).isEqualTo("LateClickException");
    assertThat(h.metrics.outcomeCount(ScorerMetrics.LATE_CLICK)).isEqualTo(1);
  }

  @Test
  void shouldCountDuplicateClicksOnceAndIgnoreClicksAfterTheWindow() throws Exception {
    h = withModel();
    h.clicks.pipeInput("a", Fixtures.click("a", T0 + 300));
    h.clicks.pipeInput("a", Fixtures.click("a", T0 + 200));
    h.impressions.pipeInput("a", Fixtures.impression("a", T0, 1));
    h.clicks.pipeInput("a", Fixtures.click("a", T0 + 400));
    h.impressions.pipeInput("b", Fixtures.impression("b", T0, 2));
    h.clicks.pipeInput("b", Fixtures.click("b", T0 + WINDOW + 1));
    h.impressions.pipeInput("z", Fixtures.impression("z", T0 + 3 * (WINDOW + GRACE), 3));

    List<TestRecord<String, LabelledExample>> all = h.exampleTopic.readRecordsToList();
    Map<String, List<LabelledExample>> byId = all.stream()
        .collect(Collectors.groupingBy(TestRecord::key, Collectors.mapping(TestRecord::value, Collectors.toList())));
    assertThat(byId.get("a")).hasSize(1);
    assertThat(byId.get("a").get(0).getLabel()).isEqualTo(1);
    assertThat(byId.get("a").get(0).getClickTime().toEpochMilli()).as("the earliest click").isEqualTo(T0 + 200);
    assertThat(byId.get("b")).hasSize(1);
    assertThat(byId.get("b").get(0).getLabel()).as("a click after the window makes no positive").isZero();
    assertThat(h.metrics.outcomeCount(ScorerMetrics.DUPLICATE_CLICK)).isEqualTo(2);
    assertThat(h.metrics.outcomeCount(ScorerMetrics.CLICK_OUTSIDE_WINDOW)).isEqualTo(1);
    assertThat(h.deadLetters.total()).isZero();
  }

  @Test
  void shouldDeadLetterAnOrphanClickWithItsOriginalBytesOnceItsGraceIsOver() throws Exception {
    h = withModel();
    Click orphan = Fixtures.click("ghost", T0);
    h.clicks.pipeInput("ghost", orphan);
    h.impressions.pipeInput("x", Fixtures.impression("x", T0 + GRACE - 1, 1));
    assertThat(h.deadLetterTopic.isEmpty()).isTrue();
    h.impressions.pipeInput("y", Fixtures.impression("y", T0 + GRACE, 2));
    TestRecord<byte[], byte[]> dead = h.deadLetterTopic.readRecord();
    assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("ghost");
    assertThat(h.serdes.clicks().deserialize("t", dead.value())).isEqualTo(orphan);
    assertThat(DeadLetters.header(dead.headers(), DeadLetters.TOPIC)).isEqualTo(h.topics.name(Topics.CLICKS));
    assertThat(DeadLetters.header(dead.headers(), DeadLetters.PARTITION)).isEqualTo("0");
    assertThat(DeadLetters.header(dead.headers(), DeadLetters.OFFSET)).isEqualTo("0");
    assertThat(DeadLetters.header(dead.headers(), DeadLetters.STAGE)).isEqualTo("scorer.join");
    assertThat(DeadLetters.header(dead.headers(), DeadLetters.REASON)).isEqualTo("OrphanClickException");
    assertThat(DeadLetters.header(dead.headers(), DeadLetters.MESSAGE)).contains("no impression ghost");
    assertThat(h.deadLetterTopic.isEmpty()).isTrue();
    assertThat(h.metrics.outcomeCount(ScorerMetrics.ORPHAN_CLICK)).isEqualTo(1);
    assertThat(h.deadLetters.counts()).containsEntry("OrphanClickException", 1L);
  }

  @Test
  void shouldNotTakeAClickReadAheadOfItsImpressionForAnOrphan() throws Exception {
    h = withModel();
    // clicks can be read ahead of the impressions topic: later clicks push stream time past the first
    // click's grace before its impression is read
    h.clicks.pipeInput("early", Fixtures.click("early", T0 + 1_000));
    h.clicks.pipeInput("other", Fixtures.click("other", T0 + GRACE + 5_000));
    h.impressions.pipeInput("early", Fixtures.impression("early", T0, 1));
    assertThat(h.deadLetterTopic.isEmpty()).as("no orphan: impressions had not reached the click's time").isTrue();
    assertThat(h.exampleTopic.readRecordsToList()).extracting(TestRecord::key).containsExactly("early");
    assertThat(h.metrics.outcomeCount(ScorerMetrics.POSITIVE)).isEqualTo(1);
    assertThat(h.metrics.outcomeCount(ScorerMetrics.ORPHAN_CLICK)).isZero();
  }

  @Test
  void shouldNotLetClicksReadFarAheadExpireTheImpressionsBehindThemOrCloseTheirWindows() throws Exception {
    h = withModel();
    // a fast replay of history: the clicks partition was fetched after the impressions one, and its clicks are
    // minutes of event time ahead of the impressions read so far (stream time follows them)
    h.impressions.pipeInput("a", Fixtures.impression("a", T0, 1));
    long ahead = T0 + 5 * (WINDOW + GRACE);
    h.clicks.pipeInput("b", Fixtures.click("b", ahead - 100));
    h.clicks.pipeInput("c", Fixtures.click("c", ahead + 500));
    assertThat(h.exampleTopic.isEmpty()).as("a's window is open in the impressions' time").isTrue();
    // the impressions behind those clicks: scored, not taken for older than the join remembers
    h.impressions.pipeInput("x", Fixtures.impression("x", T0 + 1_000, 2));
    h.clicks.pipeInput("x", Fixtures.click("x", T0 + 1_000 + WINDOW - 1));
    assertThat(h.scoresTopic.readRecordsToList()).extracting(TestRecord::key).containsExactly("a", "x");
    assertThat(h.exampleTopic.readRecordsToList()).extracting(TestRecord::key).as("x's click inside its window")
        .containsExactly("x");
    // impressions catching up, still behind stream time: a's window closes as they pass it (stream time, which
    // the clicks moved, does not move again until the impressions pass it)
    h.impressions.pipeInput("b", Fixtures.impression("b", ahead - 200, 3));
    Map<String, LabelledExample> ex = h.examples();
    assertThat(ex).containsOnlyKeys("a", "b");
    assertThat(ex.get("a").getLabel()).isZero();
    assertThat(ex.get("b").getLabel()).isEqualTo(1);
    h.impressions.pipeInput("c", Fixtures.impression("c", ahead + 400, 4));
    h.impressions.pipeInput("z", Fixtures.impression("z", ahead + 400 + WINDOW + GRACE, 5));
    ex = h.examples();
    assertThat(ex).containsOnlyKeys("c");
    assertThat(ex.get("c").getLabel()).isEqualTo(1);
    assertThat(h.deadLetters.total()).as("no impression expired, no click orphaned").isZero();
    assertThat(h.metrics.outcomeCount(ScorerMetrics.ORPHAN_CLICK)).isZero();
    assertThat(h.metrics.outcomeCount(ScorerMetrics.LATE_CLICK)).isZero();
  }

  @Test
  void shouldScoreAndLabelADuplicateImpressionOnce() throws Exception {
    h = withModel();
    h.impressions.pipeInput("a", Fixtures.impression("a", T0, 1));
    h.impressions.pipeInput("a", Fixtures.impression("a", T0 + 5, 1));
    h.impressions.pipeInput("z", Fixtures.impression("z", T0 + WINDOW + GRACE + 10, 2));
    assertThat(h.scoresTopic.readRecordsToList()).extracting(TestRecord::key).containsExactly("a", "z");
    assertThat(h.exampleTopic.readRecordsToList()).extracting(TestRecord::key).containsExactly("a");
    assertThat(h.metrics.outcomeCount(ScorerMetrics.DUPLICATE_IMPRESSION)).isEqualTo(1);
  }

  @Test
  void shouldDeadLetterUndecodableInputAndGoOn() throws Exception {
    h = withModel();
    var raw = h.driver.createInputTopic(h.topics.name(Topics.IMPRESSIONS), new StringSerializer(),
        new org.apache.kafka.common.serialization.ByteArraySerializer());
    raw.pipeInput("bad", "not avro".getBytes(StandardCharsets.UTF_8));
    h.impressions.pipeInput("a", Fixtures.impression("a", T0, 1));
    assertThat(h.scores()).containsOnlyKeys("a");
    TestRecord<byte[], byte[]> dead = h.deadLetterTopic.readRecord();
    assertThat(DeadLetters.header(dead.headers(), DeadLetters.REASON)).isEqualTo("BAD_HEADER");
  }

  @Test
  void shouldDeadLetterAnImpressionInAnotherSchemaWithTheBytesItsProducerWrote() throws Exception {
    // a producer's newer schema: Impression plus a field with a default, published (here: known to the serdes)
    Schema.Parser parser = new Schema.Parser();
    String json = Impression.getClassSchema().toString();
    Schema newer = parser.parse(json.substring(0, json.lastIndexOf(']'))
        + ",{\"name\":\"site\",\"type\":\"string\",\"default\":\"\"}]}");
    SchemaStore.Cache schemas = new SchemaStore.Cache();
    schemas.addSchema(newer);
    h = new Harness(Double.NaN, ScorerTopology.Settings.DEFAULT_HOLD_MAX,
        ScorerTopology.Settings.DEFAULT_HOLD_OVERFLOW_RATE, schemas);
    Fixtures.commit(h.provider.store(), 1, Fixtures.model(1, 10));
    GenericData.Record rec = new GenericData.Record(newer);
    Impression imp = Fixtures.impression("f", System.currentTimeMillis() + 86_400_000L, 1); // a day ahead
    rec.put("id", imp.getId());
    rec.put("event_time", imp.getEventTime().toEpochMilli());
    rec.put("features", imp.getFeatures());
    rec.put("site", "xyz");
    byte[] written = new BinaryMessageEncoder<GenericData.Record>(GenericData.get(), newer).encode(rec).array();

    h.driver.createInputTopic(h.topics.name(Topics.IMPRESSIONS), new StringSerializer(), new ByteArraySerializer())
        .pipeInput("f", written);

    TestRecord<byte[], byte[]> dead = h.deadLetterTopic.readRecord();
    assertThat(new String(dead.headers().lastHeader("wnd.dlq.reason").value(), StandardCharsets.UTF_8))
        .isEqualTo("FutureEventTimeException");
    assertThat(dead.value()).isEqualTo(written);
  }

  private Harness withModel() throws Exception {
    Harness x = new Harness(Double.NaN);
    Fixtures.commit(x.provider.store(), 1, Fixtures.model(1, 10));
    return x;
  }

  /** The topology in a TopologyTestDriver, with a real RocksDB model store fed without Kafka. */
  private final class Harness implements AutoCloseable {
    final Topics topics = Topics.defaults();
    final Topics.Serdes serdes;
    final DeadLetters deadLetters = Fixtures.deadLetters(topics);
    final ModelProvider provider;
    final ScorerMetrics metrics;
    final TopologyTestDriver driver;
    final TestInputTopic<String, Impression> impressions;
    final TestInputTopic<String, Click> clicks;
    final TestOutputTopic<String, Score> scoresTopic;
    final TestOutputTopic<String, LabelledExample> exampleTopic;
    final TestOutputTopic<byte[], byte[]> deadLetterTopic;

    Harness(double prior) throws Exception {
      this(prior, ScorerTopology.Settings.DEFAULT_HOLD_MAX, ScorerTopology.Settings.DEFAULT_HOLD_OVERFLOW_RATE);
    }

    Harness(double prior, long holdMax, double overflowRate) throws Exception {
      this(prior, holdMax, overflowRate, null);
    }

    Harness(double prior, long holdMax, double overflowRate, SchemaStore schemas) throws Exception {
      serdes = Topics.serdes(schemas);
      provider = new ModelProvider(Fixtures.store(dir), Fixtures.SPEC);
      metrics = new ScorerMetrics(new SimpleMeterRegistry(), deadLetters, provider);
      var settings = new ScorerTopology.Settings(topics, Fixtures.SPEC, Fixtures.MODEL, WINDOW, GRACE, 100, prior, 100,
          ScorerTopology.Settings.DEFAULT_MAX_AHEAD_MS, holdMax, overflowRate);
      Properties p = new Properties();
      p.put(StreamsConfig.APPLICATION_ID_CONFIG, "scorer-test");
      p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
      p.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("streams").toString());
      p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
      p.put(DeadLetterHandler.DEAD_LETTERS_CONFIG, deadLetters);
      driver = new TopologyTestDriver(ScorerTopology.create(settings, serdes, provider, metrics, deadLetters), p);
      impressions = driver.createInputTopic(topics.name(Topics.IMPRESSIONS), new StringSerializer(), serdes.impressions());
      clicks = driver.createInputTopic(topics.name(Topics.CLICKS), new StringSerializer(), serdes.clicks());
      scoresTopic = driver.createOutputTopic(topics.name(Topics.SCORES), new StringDeserializer(), serdes.scores());
      exampleTopic = driver.createOutputTopic(topics.name(Topics.EXAMPLES), new StringDeserializer(), serdes.examples());
      deadLetterTopic = driver.createOutputTopic(topics.name(Topics.DEAD_LETTER), new ByteArrayDeserializer(),
          new ByteArrayDeserializer());
    }

    Map<String, Score> scores() {
      return scoresTopic.readKeyValuesToMap();
    }

    Map<String, LabelledExample> examples() {
      return exampleTopic.readRecordsToList().stream()
          .collect(Collectors.toMap(TestRecord::key, TestRecord::value, (a, b) -> {
            throw new AssertionError("two examples for " + a.getImpressionId());
          }));
    }

    @Override
    public void close() throws java.io.IOException {
      driver.close();
      provider.close();
    }
  }
}

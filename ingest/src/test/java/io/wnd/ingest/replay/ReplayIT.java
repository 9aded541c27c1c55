package io.wnd.ingest.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wnd.avro.Click;
import io.wnd.avro.Impression;
import io.wnd.broker.LocalKafka;
import io.wnd.broker.junit.KafkaExtension;
import io.wnd.ingest.RealData;
import io.wnd.ingest.Rejects;
import io.wnd.ingest.RowReader;
import io.wnd.ingest.TopicReader;
import io.wnd.ingest.read.FileRowReader;
import io.wnd.ingest.read.Format;
import io.wnd.schemas.topics.TopicAdmin;
import io.wnd.schemas.topics.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(KafkaExtension.class)
class ReplayIT {
  private static final long START = KafkaExtension.recentEventTime();

  @Test
  void shouldReplayTheKaggleRowsIntoExactlyOneImpressionEachAndOneClickPerPositiveRow(LocalKafka kafka)
      throws Exception {
    Path file = RealData.kaggle();
    Topics topics = topics(kafka);
    ReplaySummary s = replay(kafka, topics, file, options(0, -1, null, false));
    assertThat(s.rows()).isEqualTo(10_000);
    assertThat(s.clicks()).isEqualTo(2_182);

    List<Impression> imps = impressions(kafka, topics, 10_000);
    List<Click> clicks = clicks(kafka, topics, 2_182);
    assertThat(imps).hasSize(10_000);
    assertThat(imps).extracting(Impression::getId).doesNotHaveDuplicates();
    assertThat(clicks).hasSize(2_182);
    // the positive rows, read independently of the reader: line numbers whose first field is 1
    List<String> lines = Files.readAllLines(file);
    Set<String> positives = new TreeSet<>();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith("1\t")) {
        positives.add(file.getFileName() + ":" + (i + 1));
      }
    }
    assertThat(clicks).extracting(Click::getImpressionId).containsExactlyInAnyOrderElementsOf(positives);
    Map<String, Long> impTime = imps.stream().collect(Collectors.toMap(Impression::getId, i -> i.getEventTime().toEpochMilli()));
    assertThat(impTime.get(file.getFileName() + ":1")).isEqualTo(START);
    assertThat(impTime.get(file.getFileName() + ":1001")).as("row / event rate").isEqualTo(START + 1_000_000L / 500);
    for (Click c : clicks) {
      long delay = c.getEventTime().toEpochMilli() - impTime.get(c.getImpressionId());
      assertThat(delay).isBetween(1L, 300_000L);
    }
  }

  @Test
  void shouldProduceTheSameIdsAndClickTimesWhenRunAgain(LocalKafka kafka) throws Exception {
    Path file = RealData.kaggle();
    Topics a = topics(kafka);
    Topics b = topics(kafka);
    replay(kafka, a, file, options(0, 2_000, null, false));
    replay(kafka, b, file, options(0, 2_000, null, false));
    assertThat(clickMap(clicks(kafka, a, 1))).isEqualTo(clickMap(clicks(kafka, b, 1))).isNotEmpty();
    assertThat(impressions(kafka, a, 2_000)).extracting(Impression::getId)
        .hasSize(2_000)
        .containsExactlyInAnyOrderElementsOf(impressions(kafka, b, 2_000).stream().map(Impression::getId).toList());
  }

  @Test
  void shouldResumeAfterAStopWithNothingLostOrDuplicated(LocalKafka kafka, @TempDir Path dir) throws Exception {
    Path file = RealData.kaggle();
    Topics topics = topics(kafka);
    Path checkpoint = dir.resolve("cp.json");
    // slow enough to be stopped in the middle, with clicks still pending
    Replayer first = new Replayer(client(kafka), topics, options(4_000, -1, checkpoint, false));
    CompletableFuture<ReplaySummary> running = inBackground(first, file);
    Thread.sleep(1_500);
    first.stop();
    ReplaySummary partial = running.get();
    assertThat(partial.completed()).isFalse();
    assertThat(partial.rows()).isBetween(1L, 9_999L);

    ReplaySummary rest = new Replayer(client(kafka), topics, options(0, -1, checkpoint, true))
        .run(sources(file), () -> 0, (r, i, c, x, t, f) -> { });
    assertThat(rest.completed()).isTrue();
    assertThat(partial.rows() + rest.rows()).isEqualTo(10_000);
    assertThat(partial.clicks() + rest.clicks()).isEqualTo(2_182);

    assertEveryKaggleRowOnce(kafka, topics);

    // a complete replay resumed again does nothing
    ReplaySummary again = new Replayer(client(kafka), topics, options(0, -1, checkpoint, true))
        .run(sources(file), () -> 0, (r, i, c, x, t, f) -> { });
    assertThat(again.rows()).isZero();
  }

  @Test
  void shouldNotSendAgainWhatAKilledReplayProducedAfterItsLastCheckpoint(LocalKafka kafka, @TempDir Path dir)
      throws Exception {
    Path file = RealData.kaggle();
    Topics topics = topics(kafka);
    Path checkpoint = dir.resolve("cp.json");
    long produced = killedAfterItsFirstCheckpoint(kafka, topics, file, checkpoint);
    long checkpointed = Checkpoint.read(checkpoint).nextRow();
    assertThat(produced).as("rows produced after the checkpoint the resume starts from").isGreaterThan(checkpointed);

    ReplaySummary rest = new Replayer(client(kafka), topics, options(0, -1, checkpoint, true))
        .run(sources(file), () -> 0, (r, i, c, x, t, f) -> { });
    assertThat(rest.completed()).isTrue();
    assertThat(rest.impressions()).isEqualTo(10_000 - checkpointed);

    assertEveryKaggleRowOnce(kafka, topics);
  }

  @Test
  void shouldLetAResumeOfAResumeThatStartsLaterKeepItsOwnOffsets(LocalKafka kafka, @TempDir Path dir)
      throws Exception {
    Path file = RealData.kaggle();
    Topics topics = topics(kafka);
    Path checkpoint = dir.resolve("cp.json");
    // A: killed (as if) right after its first checkpoint, having produced on past it
    long producedByA = killedAfterItsFirstCheckpoint(kafka, topics, file, checkpoint);
    // B: resumes it, and is stopped before it has met all that A produced
    Replayer b = new Replayer(client(kafka), topics, options(2_000, -1, checkpoint, true));
    CompletableFuture<ReplaySummary> runningB = inBackground(b, file);
    Thread.sleep(1_000);
    b.stop();
    runningB.get();
    long bStopped = Checkpoint.read(checkpoint).nextRow();
    assertThat(bStopped).as("B stopped before the last row A produced").isLessThan(producedByA);
    // C: resumes B from a later row than A's checkpoint, to the end
    ReplaySummary c = new Replayer(client(kafka), topics, options(0, -1, checkpoint, true))
        .run(sources(file), () -> 0, (r, i, cl, x, t, f) -> { });
    assertThat(c.completed()).isTrue();

    List<Impression> imps = impressions(kafka, topics, 10_000);
    assertThat(imps).hasSize(10_000);
    assertThat(imps).extracting(Impression::getId).doesNotHaveDuplicates();
    assertThat(clicks(kafka, topics, 2_182)).hasSize(2_182);
    // C met everything A produced after its checkpoint: its own checkpoint is at the topics' ends, not still at A's
    Map<String, Long> offsets = Checkpoint.read(checkpoint).offsets();
    try (Admin admin = Admin.create(client(kafka))) {
      for (String t : List.of(topics.name(Topics.IMPRESSIONS), topics.name(Topics.CLICKS))) {
        for (int p = 0; p < 3; p++) {
          long end = admin.listOffsets(Map.of(new org.apache.kafka.common.TopicPartition(t, p),
              org.apache.kafka.clients.admin.OffsetSpec.latest())).all().get().values().iterator().next().offset();
          assertThat(offsets.get(t + ":" + p)).as("%s:%d", t, p).isEqualTo(end);
        }
      }
    }
  }

  @Test
  void shouldReportEachBadLineOnceOverAResume(LocalKafka kafka, @TempDir Path dir) throws Exception {
    List<String> lines = new ArrayList<>(Files.readAllLines(RealData.kaggle()).subList(0, 1_000));
    for (int at : new int[] {900, 700, 20, 10}) {
      lines.add(at, "0\tnot a row");
    }
    Path file = Files.write(dir.resolve("bad.tsv"), lines);
    Topics topics = topics(kafka);
    Path checkpoint = dir.resolve("cp.json");
    java.util.concurrent.atomic.AtomicLong first = new java.util.concurrent.atomic.AtomicLong();
    Replayer a = new Replayer(client(kafka), topics, options(0, 500, checkpoint, false));
    a.run(sources(file, a.rejectsAfterStart((src, line, reason, text) -> first.incrementAndGet())), first::get,
        (r, i, c, x, t, f) -> { });
    java.util.concurrent.atomic.AtomicLong second = new java.util.concurrent.atomic.AtomicLong();
    Replayer b = new Replayer(client(kafka), topics, options(0, -1, checkpoint, true));
    ReplaySummary rest = b.run(sources(file, b.rejectsAfterStart((src, line, reason, text) -> second.incrementAndGet())),
        second::get, (r, i, c, x, t, f) -> { });
    assertThat(rest.rows()).isEqualTo(500);
    assertThat(first.get()).as("the bad lines among the first 500 rows").isEqualTo(2);
    assertThat(second.get()).as("the bad lines after them, not those before again").isEqualTo(2);
  }

  @Test
  void shouldResumeAfterTheLimitOfTheRunBefore(LocalKafka kafka, @TempDir Path dir) throws Exception {
    Path file = RealData.kaggle();
    Topics topics = topics(kafka);
    Path checkpoint = dir.resolve("cp.json");
    ReplaySummary first = new Replayer(client(kafka), topics, options(0, 400, checkpoint, false))
        .run(sources(file), () -> 0, (r, i, c, x, t, f) -> { });
    assertThat(first.rows()).isEqualTo(400);
    assertThat(first.completed()).isTrue();
    ReplaySummary rest = new Replayer(client(kafka), topics, options(0, -1, checkpoint, true))
        .run(sources(file), () -> 0, (r, i, c, x, t, f) -> { });
    assertThat(rest.rows()).isEqualTo(9_600);
    List<Impression> imps = impressions(kafka, topics, 10_000);
    assertThat(imps).hasSize(10_000);
    assertThat(imps).extracting(Impression::getId).doesNotHaveDuplicates();
  }

  @Test
  void shouldGiveEveryRowTheWallClockTimeItIsProducedAtWhenStartingNow(LocalKafka kafka) throws Exception {
    Path file = RealData.kaggle();
    Topics topics = topics(kafka);
    // 400 rows at 200 rows/s, event rate = rate: row k is due at (the moment producing starts) + k * 5 ms
    ReplayOptions o = new ReplayOptions(200, 200, ReplayOptions.START_NOW, 0, 400, -1,
        ClickDelay.parse("fixed:1s"), 1, null, false);
    long before = System.currentTimeMillis();
    ReplaySummary s = replay(kafka, topics, file, o);
    long after = System.currentTimeMillis();
    assertThat(s.rows()).isEqualTo(400);
    Map<String, Long> times = impressions(kafka, topics, 400).stream()
        .collect(Collectors.toMap(Impression::getId, i -> i.getEventTime().toEpochMilli()));
    long first = times.get(file.getFileName() + ":1");
    assertThat(first).isBetween(before, after);
    assertThat(times.get(file.getFileName() + ":400")).isEqualTo(first + 399 * 5);
    // paced at the event rate, the replay took at least the 2 s of event time it covered
    assertThat(after - first).isGreaterThanOrEqualTo(399 * 5);
    assertThatThrownBy(() -> new ReplayOptions(200, 200, ReplayOptions.START_NOW, 0, -1, -1,
        ClickDelay.parse("fixed:1s"), 1, Path.of("cp"), true)).hasMessageContaining("fixed start time");
  }

  @Test
  void shouldRefuseEventTimesTheBrokerWouldDeleteUnlessTheTopicsKeepRecordsLongEnough(LocalKafka kafka) throws Exception {
    Path file = RealData.kaggle();
    Topics topics = topics(kafka);
    ReplayOptions month = new ReplayOptions(0, 500, START - Duration.ofDays(30).toMillis(), 0, 100, -1,
        ClickDelay.parse(ClickDelay.DEFAULT), 1, null, false);
    assertThatThrownBy(() -> replay(kafka, topics, file, month)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("(row 1) is older than [" + topics.name(Topics.IMPRESSIONS)
            + " (retention.ms 604800000 = PT168H), " + topics.name(Topics.CLICKS))
        .hasMessageContaining(topics.name(Topics.SCORES)).hasMessageContaining(topics.name(Topics.EXAMPLES))
        .hasMessageContaining("--start-time after");
    assertThat(TopicReader.readAll(kafka.bootstrapServers(), topics.name(Topics.IMPRESSIONS), 0)).isEmpty();

    // six days ago is kept for another day: fine
    ReplayOptions days = new ReplayOptions(0, 500, START - Duration.ofDays(6).toMillis(), 0, 100, -1,
        ClickDelay.parse(ClickDelay.DEFAULT), 1, null, false);
    assertThat(replay(kafka, topics, file, days).rows()).isEqualTo(100);

    // topics that keep records for ever take the month-old replay
    try (Admin admin = Admin.create(client(kafka))) {
      Map<ConfigResource, java.util.Collection<AlterConfigOp>> ops = new HashMap<>();
      for (var t : List.of(Topics.IMPRESSIONS, Topics.CLICKS, Topics.SCORES, Topics.EXAMPLES)) {
        ops.put(new ConfigResource(ConfigResource.Type.TOPIC, topics.name(t)),
            List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "-1"), AlterConfigOp.OpType.SET)));
      }
      admin.incrementalAlterConfigs(ops).all().get();
    }
    assertThat(replay(kafka, topics, file, month).rows()).isEqualTo(100);
  }

  @Test
  void shouldNotStampRecordsAheadOfTheWallClockAndRefuseAStartInTheFuture(LocalKafka kafka) throws Exception {
    Path file = RealData.kaggle();
    Topics topics = topics(kafka);
    // 2,000 rows at 500 rows/s of event time from 2 s ago, as fast as possible: the last 2 s of rows are in the
    // future when the replay gets to them, and wait for the wall clock
    ReplayOptions o = new ReplayOptions(0, 500, System.currentTimeMillis() - 2_000, 0, 2_000, -1,
        ClickDelay.parse("fixed:1s"), 1, null, false);
    ReplaySummary s = replay(kafka, topics, file, o);
    long finished = System.currentTimeMillis();
    assertThat(s.rows()).isEqualTo(2_000);
    long last = impressions(kafka, topics, 2_000).stream().mapToLong(i -> i.getEventTime().toEpochMilli()).max()
        .orElseThrow();
    assertThat(last).as("the last impression's event time against the replay's end").isLessThanOrEqualTo(finished + 1_000);

    ReplayOptions future = new ReplayOptions(0, 500, System.currentTimeMillis() + 3_600_000L, 0, 10, -1,
        ClickDelay.parse(ClickDelay.DEFAULT), 1, null, false);
    assertThatThrownBy(() -> replay(kafka, topics, file, future)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ahead of the wall clock").hasMessageContaining("Use a --start-time in the past");
  }

  /**
   * A paced replay that goes on for a while after its first checkpoint and whose checkpoint is then put back to that
   * first one: what a replay killed (kill -9, or a broker error) right after writing it leaves.
   *
   * @return the rows it produced
   */
  /** The topics hold each of the 10,000 Kaggle rows' impressions, and their 2,182 clicks, exactly once. */
  private static void assertEveryKaggleRowOnce(LocalKafka kafka, Topics topics) {
    List<Impression> imps = impressions(kafka, topics, 10_000);
    assertThat(imps).hasSize(10_000);
    assertThat(imps).extracting(Impression::getId).doesNotHaveDuplicates();
    List<Click> clicks = clicks(kafka, topics, 2_182);
    assertThat(clicks).hasSize(2_182);
    assertThat(clicks).extracting(Click::getImpressionId).doesNotHaveDuplicates();
  }

  private static long killedAfterItsFirstCheckpoint(LocalKafka kafka, Topics topics, Path file, Path checkpoint)
      throws Exception {
    Replayer replayer = new Replayer(client(kafka), topics, options(4_000, -1, checkpoint, false));
    CompletableFuture<ReplaySummary> running = inBackground(replayer, file);
    long deadline = System.currentTimeMillis() + 30_000;
    while (!Files.exists(checkpoint) && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    byte[] early = Files.readAllBytes(checkpoint);
    Thread.sleep(1_200);
    replayer.stop();
    long produced = running.get().rows();
    Files.write(checkpoint, early);
    return produced;
  }

  /** Runs a replay of a file on another thread (to be stopped from this one). */
  private static CompletableFuture<ReplaySummary> inBackground(Replayer replayer, Path file) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return replayer.run(sources(file), () -> 0, (r, i, c, x, t, f) -> { });
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
  }

  private static ReplayOptions options(double rate, long limit, Path checkpoint, boolean resume) {
    return new ReplayOptions(rate, 500, START, 0, limit, -1, ClickDelay.parse(ClickDelay.DEFAULT), 1, checkpoint, resume);
  }

  private static List<Replayer.Source> sources(Path file) {
    return sources(file, Rejects.ignore());
  }

  private static List<Replayer.Source> sources(Path file, Rejects rejects) {
    return List.of(new Replayer.Source() {
      @Override
      public String name() {
        return file.getFileName().toString();
      }

      @Override
      public RowReader open() throws IOException {
        return FileRowReader.open(file, Format.CRITEO, rejects);
      }
    });
  }

  private static ReplaySummary replay(LocalKafka kafka, Topics topics, Path file, ReplayOptions o) throws IOException {
    return new Replayer(client(kafka), topics, o).run(sources(file), () -> 0, (r, i, c, x, t, f) -> { });
  }

  private static Topics topics(LocalKafka kafka) {
    Topics topics = new Topics("r" + UUID.randomUUID().toString().substring(0, 8) + ".", 3);
    try (Admin admin = Admin.create(client(kafka))) {
      new TopicAdmin(admin, topics, (short) 1).create();
    }
    return topics;
  }

  private static Map<String, Object> client(LocalKafka kafka) {
    Map<String, Object> m = new HashMap<>();
    m.put("bootstrap.servers", kafka.bootstrapServers());
    return m;
  }

  private static List<Impression> impressions(LocalKafka kafka, Topics t, int n) {
    var serde = Topics.serdes(null).impressions();
    List<Impression> out = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> r : TopicReader.readAll(kafka.bootstrapServers(), t.name(Topics.IMPRESSIONS), n)) {
      Impression imp = serde.deserialize("", r.value());
      assertThat(r.key()).isEqualTo(imp.getId());
      assertThat(r.timestamp()).as("record timestamp = event time").isEqualTo(imp.getEventTime().toEpochMilli());
      out.add(imp);
    }
    return out;
  }

  private static List<Click> clicks(LocalKafka kafka, Topics t, int n) {
    var serde = Topics.serdes(null).clicks();
    return TopicReader.readAll(kafka.bootstrapServers(), t.name(Topics.CLICKS), n).stream()
        .map(r -> serde.deserialize("", r.value())).toList();
  }

  private static Map<String, Long> clickMap(List<Click> clicks) {
    return clicks.stream().collect(Collectors.toMap(Click::getImpressionId, c -> c.getEventTime().toEpochMilli()));
  }
}

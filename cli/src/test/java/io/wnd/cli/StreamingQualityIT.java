package io.wnd.cli;

import static io.wnd.cli.WndIT.wnd;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.wnd.broker.LocalKafka;
import io.wnd.broker.junit.KafkaExtension;
import io.wnd.scorer.ScorerApp;
import io.wnd.scorer.ScorerConfig;
import io.wnd.schemas.topics.Topics;
import io.wnd.state.metrics.StreamMetrics;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.trainer.OfflineTraining;
import io.wnd.trainer.StreamingTrainer;
import io.wnd.trainer.WideDeepTrainer;
import io.wnd.ingest.read.RejectsFile;
import io.wnd.state.encode.Encoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streaming path's quality against the offline one (DESIGN §8): the 10,000 Kaggle rows replayed, scored and
 * labelled by the scorer's join, and learnt by the continuous trainer in one version whose manifest carries the
 * progressive metrics of all of them; {@code wnd fit}'s computation on the file in file order beside it. The order
 * differs (a positive reaches the trainer when its click arrives, a negative when its window closes), so the two
 * agree within noise, not exactly.
 */
@ExtendWith(KafkaExtension.class)
class StreamingQualityIT {
  private static final Logger LOG = LoggerFactory.getLogger(StreamingQualityIT.class);

  @Test
  void shouldLearnAsWellFromTheJoinedStreamAsFromTheFile(LocalKafka kafka, @TempDir Path dir) throws Exception {
    Path kaggle = Path.of("..", "..", "shared", "data", "criteo", "kaggle-train-rows-0-9999.tsv");
    Path terabyte = Path.of("..", "..", "shared", "data", "criteo", "terabyte-day0-first-7000.tsv");
    assumeTrue(Files.exists(kaggle) && Files.exists(terabyte), "skipped: ../shared/data/criteo is absent");
    String prefix = "sq" + UUID.randomUUID().toString().substring(0, 6) + ".";
    String b = kafka.bootstrapServers();
    assertThat(wnd("topics", "create", "-b", b, "--topic-prefix", prefix, "--partitions", "3").code()).isZero();
    // One row per second of event time (10,000 rows: 2.8 hours), clicks 20 s after their impression on average,
    // a 2-minute attribution window: a positive reaches the trainer ~20 rows after its impression, a negative ~150
    // rows after. (Squeezed into less event time than a window, every positive would come before every negative.)
    long t0 = System.currentTimeMillis() - 6 * 3_600_000L;
    assertThat(wnd("replay", "-b", b, "--topic-prefix", prefix, "--start-time", Long.toString(t0), "--event-rate", "1",
        "--click-delay", "exp:20s:2m", "--checkpoint", dir.resolve("cp1").toString(), kaggle.toString()).code())
        .isZero();
    // then 27 unclicked rows (1TB rows 7-33, all label 0) 30 minutes later: event time moves past every Kaggle
    // window in every partition, and these rows' own windows never close (no examples)
    assertThat(wnd("replay", "-b", b, "--topic-prefix", prefix, "--start-time", Long.toString(t0 + 10_000_000L + 1_800_000L),
        "--event-rate", "1", "--skip", "6", "--limit", "27", "--checkpoint", dir.resolve("cp2").toString(),
        terabyte.toString()).code()).isZero();

    Map<String, Object> props = new HashMap<>();
    props.put(ScorerConfig.BOOTSTRAP_SERVERS_CONFIG, b);
    props.put(ScorerConfig.APPLICATION_ID_CONFIG, "sq-" + UUID.randomUUID());
    props.put(ScorerConfig.TOPIC_PREFIX_CONFIG, prefix);
    props.put(ScorerConfig.SPEC_CONFIG, "criteo");
    props.put(ScorerConfig.MODEL_NAME_CONFIG, "criteo");
    props.put(ScorerConfig.HTTP_PORT_CONFIG, -1);
    props.put(ScorerConfig.NO_MODEL_POLICY_CONFIG, "prior");
    props.put(ScorerConfig.ATTRIBUTION_WINDOW_MS_CONFIG, 120_000L);
    props.put(ScorerConfig.ATTRIBUTION_GRACE_MS_CONFIG, 30_000L);
    props.put(ScorerConfig.MODEL_DIR_CONFIG, dir.resolve("model").toString());
    props.put("scorer.streams.state.dir", dir.resolve("streams").toString());
    FeatureSpec spec = FeatureSpec.builtin("criteo");
    List<StreamingTrainer.Published> versions = new CopyOnWriteArrayList<>();
    StreamingTrainer trainer = new StreamingTrainer(Map.of("bootstrap.servers", b), new Topics(prefix, 3),
        new StreamingTrainer.Settings(spec, "criteo", 1_000_000, Duration.ofHours(1)), Clock.systemUTC());
    Thread t = new Thread(() -> trainer.run(versions::add), "trainer");
    try (ScorerApp scorer = ScorerApp.start(new ScorerConfig(props))) {
      t.start();
      long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
      // full batches are trained as they fill; the last partial one when the trainer stops and publishes
      long fullBatches = 10_000 - 10_000 % spec.batchSize();
      while (trainer.examplesTrained() < fullBatches) {
        assertThat(System.nanoTime()).as("10,000 examples trained in time (%d so far)", trainer.examplesTrained())
            .isLessThan(deadline);
        Thread.sleep(200);
      }
      Thread.sleep(5_000); // the last examples arrive; nothing more may come
      trainer.stop();
      t.join(60_000);
    }
    assertThat(trainer.examplesTrained()).as("one example per Kaggle impression, none for the tail").isEqualTo(10_000);
    assertThat(versions).hasSize(1);
    StreamMetrics.Snapshot streaming = versions.get(0).metrics();
    assertThat(streaming.count()).isEqualTo(10_000);

    StreamMetrics.Snapshot offline;
    try (RejectsFile rej = new RejectsFile(dir.resolve("rejects.tsv"), 5, m -> { })) {
      offline = OfflineTraining.fit(new WideDeepTrainer(spec, Clock.systemUTC()),
          new TrainingInputs(List.of(kaggle), null, new Encoder(spec), 0, -1, rej), 1).get(0);
    }
    LOG.info("progressive on the 10,000 Kaggle rows: streaming (scorer join -> trainer) AUC {} log loss {} "
        + "calibration {}; offline (file order) AUC {} log loss {} calibration {}", streaming.auc(), streaming.logLoss(),
        streaming.calibration(), offline.auc(), offline.logLoss(), offline.calibration());
    double r = 0.2182; // the file's click rate
    double constant = -(r * Math.log(r) + (1 - r) * Math.log(1 - r));
    assertThat(streaming.logLoss()).isLessThan(constant);
    assertThat(Math.abs(streaming.auc() - offline.auc())).as("AUC streaming %s vs offline %s", streaming.auc(),
        offline.auc()).isLessThan(0.03);
    assertThat(Math.abs(streaming.logLoss() - offline.logLoss())).isLessThan(0.03);
  }
}

package io.wnd.cli.demo;

import io.wnd.broker.LocalKafka;
import io.wnd.cli.ClientOptions;
import io.wnd.ingest.replay.ReplayOptions;
import io.wnd.ingest.replay.ReplaySummary;
import io.wnd.ingest.replay.Replayer;
import io.wnd.schemas.topics.TopicAdmin;
import io.wnd.schemas.topics.Topics;
import io.wnd.scorer.ScorerApp;
import io.wnd.scorer.ScorerConfig;
import io.wnd.state.metrics.StreamMetrics;
import io.wnd.trainer.StreamingTrainer;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One demo run: starts a local broker in a directory, creates the topics, starts the scorer (Kafka Streams, in
 * this process) and the streaming trainer (in a thread), replays the sources paced in wall-clock time, samples
 * what happens every interval for the live view, and stops everything in order - producer, trainer, scorer,
 * broker - at the end of the data, after the duration, or on {@link #stop()}. One run per instance.
 */
public final class DemoRun {
  private static final Logger LOG = LoggerFactory.getLogger(DemoRun.class);
  /** Seconds of labelled examples the live view's served AUC and log loss cover. */
  public static final int SERVED_WINDOW_S = 10;
  /** Seconds after the start that the steady-state latency leaves out. */
  public static final int WARM_UP_S = 10;

  /**
   * How the demo runs.
   *
   * @param dir data directory of the broker and the scorer's state
   * @param deleteDir delete the directory at the end (a temporary one)
   * @param topics the topic registry
   * @param scorerConfig the scorer's configuration for a cluster's client settings
   * @param trainer the trainer's settings
   * @param interval how often the live view is refreshed
   * @param labelDelay attribution window plus grace: how long after an impression its label is final
   */
  public record Settings(Path dir, boolean deleteDir, Topics topics,
      Function<Map<String, Object>, ScorerConfig> scorerConfig, StreamingTrainer.Settings trainer,
      Duration interval, Duration labelDelay) {}

  /** Receives the run's progress; called from the run's threads, one call at a time. */
  public interface Listener {
    /**
     * The pipeline is up; the replay starts now.
     *
     * @param bootstrapServers the broker
     * @param httpPort the scorer's HTTP port, -1 if off
     * @param startupSeconds how long broker, topics, scorer and trainer took to start
     */
    void started(String bootstrapServers, int httpPort, double startupSeconds);

    /** @param sample one interval */
    void sample(Sample sample);

    /** @param why the run is stopping: the end of the data, the duration, a stop request or a failure */
    void stopping(String why);
  }

  /**
   * What the run did.
   *
   * @param samples every interval, in order
   * @param versions every version the trainer published, in order
   * @param applied {seconds, version} when the scorer was first seen serving a version
   * @param replay what the replay produced
   * @param impressions impressions committed on the topic
   * @param scores scores committed
   * @param labelled labelled examples committed
   * @param trained examples trained
   * @param versionsPublished versions published by the trainer
   * @param versionsApplied versions &gt; 0 the scorer put in service (seen in service or scoring)
   * @param scorerVersion the scorer's version at the end
   * @param lastVersion the trainer's last version
   * @param versionsScoring every version that scored an impression (0: the prior)
   * @param latency impression produced to score produced over the run, ms
   * @param steadyLatency the same for impressions produced after the first {@link #WARM_UP_S} s (JIT, first fetches)
   * @param visibleLatency impression produced to score readable over the run, ms
   * @param served the served predictions against their labels over the run
   * @param servedByVersion the same by the version that served them
   * @param deadLetters dead letters written
   * @param seconds the run's length, from the pipeline's start to the end of the replay
   * @param startupSeconds the pipeline's start-up time
   * @param stopReason why it ended
   * @param failure what failed, or null
   */
  public record Result(List<Sample> samples, List<VersionPoint> versions, List<double[]> applied,
      ReplaySummary replay, long impressions, long scores, long labelled, long trained, long versionsPublished,
      long versionsApplied, long scorerVersion, long lastVersion, Set<Long> versionsScoring, Histogram latency,
      Histogram steadyLatency, Histogram visibleLatency, StreamMetrics.Snapshot served, Map<Long, StreamMetrics.Snapshot> servedByVersion, long deadLetters, double seconds,
      double startupSeconds, String stopReason, Throwable failure) {}

  private final Settings settings;
  private final List<Sample> samples = new CopyOnWriteArrayList<>();
  private final List<VersionPoint> versions = new CopyOnWriteArrayList<>();
  private final List<double[]> applied = new CopyOnWriteArrayList<>();
  private final Set<Long> inService = Collections.synchronizedSet(new TreeSet<>());
  private volatile Replayer replayer;
  private volatile boolean stopRequested;
  private volatile String stopReason;
  private volatile Throwable failure;
  private volatile long pipelineStartNanos;
  private long lastSampleNanos;

  /** @param settings how to run */
  public DemoRun(Settings settings) {
    this.settings = settings;
  }

  /** Asks the run to stop (from any thread, e.g. a shutdown hook): it stops producing and shuts down in order. */
  public void stop() {
    stopRequested = true;
    if (stopReason == null) {
      stopReason = "stopped";
    }
    Replayer r = replayer;
    if (r != null) {
      r.stop();
    }
  }

  private void fail(String what, Throwable e) {
    if (failure == null) {
      failure = new IllegalStateException(what + ": " + e.getMessage(), e);
      stopReason = what + " failed";
    }
    stop();
  }

  /**
   * Runs the demo.
   *
   * @param sources what to replay, in order
   * @param options how to replay (paced; {@link ReplayOptions#START_NOW} so event time is the wall clock)
   * @param rejected the count of rejected input lines
   * @param listener the live view
   * @return what happened
   * @throws IOException if the data directory or an input cannot be used
   */
  public Result run(List<Replayer.Source> sources, ReplayOptions options, LongSupplier rejected, Listener listener)
      throws IOException {
    long t0 = System.nanoTime();
    Topics topics = settings.topics();
    Files.createDirectories(settings.dir());
    LocalKafka kafka = LocalKafka.create(settings.dir().resolve("kafka"), 0, 0, Map.of());
    ScorerApp scorer = null;
    StreamingTrainer trainer = null;
    Thread trainerThread = null;
    Monitor monitor = null;
    ScheduledExecutorService sampler = null;
    ReplaySummary replay = null;
    long[] lastVersion = {0};
    double seconds = 0;
    double startup = 0;
    long finalVersion = 0;
    try {
      kafka.start(Duration.ofSeconds(60));
      Map<String, Object> client = ClientOptions.localClient(kafka.bootstrapServers());
      try (Admin admin = Admin.create(client)) {
        for (TopicAdmin.Status s : new TopicAdmin(admin, topics, (short) 1).create()) {
          if (s.outcome() == TopicAdmin.Outcome.MISMATCH) {
            throw new IllegalStateException("topic " + s.name() + ": " + String.join("; ", s.problems()));
          }
        }
      }
      monitor = new Monitor(client, topics);
      monitor.start();
      scorer = ScorerApp.start(settings.scorerConfig().apply(client));
      StreamingTrainer tr = new StreamingTrainer(client, topics, settings.trainer(), Clock.systemUTC());
      trainer = tr;
      trainerThread = new Thread(() -> {
        try {
          lastVersion[0] = tr.run(p -> versions.add(new VersionPoint(since(), p.version(), p.examplesSeen(),
              p.metrics().count(), p.metrics().auc(), p.metrics().logLoss(), p.published().bytes(),
              p.published().millis())));
        } catch (RuntimeException e) {
          LOG.error("the demo's trainer stopped: {}", e.toString(), e);
          fail("the trainer", e);
        }
      }, "wnd-demo-trainer");
      trainerThread.start();
      awaitRunning(scorer);
      Replayer r = new Replayer(client, topics, options);
      replayer = r;
      if (stopRequested) {
        r.stop();
      }
      pipelineStartNanos = System.nanoTime();
      monitor.steadyFrom(System.currentTimeMillis() + WARM_UP_S * 1000L);
      lastSampleNanos = pipelineStartNanos;
      startup = (pipelineStartNanos - t0) / 1e9;
      listener.started(kafka.bootstrapServers(), scorer.httpPort(), startup);
      ScorerApp sc = scorer;
      Monitor mon = monitor;
      StreamingTrainer trn = trainer;
      sampler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread t = new Thread(runnable, "wnd-demo-sampler");
        t.setDaemon(true);
        return t;
      });
      long every = settings.interval().toMillis();
      sampler.scheduleAtFixedRate(() -> {
        try {
          Sample s = sample(sc, mon, trn);
          listener.sample(s);
          watch(sc, mon);
        } catch (RuntimeException e) {
          LOG.warn("sampling failed: {}", e.toString(), e);
        }
      }, every, every, TimeUnit.MILLISECONDS);
      replay = r.run(sources, rejected, (rows, imps, clicks, rej, secs, fraction) -> { });
      seconds = since();
      if (stopReason == null) {
        stopReason = replay.completed() && options.durationMillis() >= 0 && seconds * 1000 >= options.durationMillis() - 50
            ? "duration reached" : replay.completed() ? "end of data" : "stopped";
      }
      listener.stopping(stopReason);
      // the producer is closed: let the scorer finish what was produced (bounded, so Ctrl-C stays quick)
      long produced = replay.impressions();
      awaitUntil(() -> mon.impressions() >= produced && mon.scores() >= produced, 5_000);
    } finally {
      if (trainer != null) {
        trainer.stop();
        join(trainerThread, 60_000);
      }
      if (scorer != null && failure == null && lastVersion[0] > 0) {
        ScorerApp sc = scorer;
        awaitUntil(() -> sc.model().version() >= lastVersion[0], 5_000); // the trainer's final version
      }
      if (sampler != null) {
        sampler.shutdown();
        try {
          sampler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        try {
          Sample last = sample(scorer, monitor, trainer);
          listener.sample(last);
        } catch (RuntimeException e) {
          LOG.warn("sampling failed: {}", e.toString());
        }
      }
      if (scorer != null) {
        finalVersion = scorer.model().version();
        scorer.close();
      }
      if (monitor != null) {
        monitor.close();
      }
      kafka.close();
      if (settings.deleteDir()) {
        deleteQuietly(settings.dir());
      }
    }
    Set<Long> applied = new TreeSet<>(inService);
    applied.addAll(monitor.versionsScoring());
    applied.remove(0L);
    return new Result(List.copyOf(samples), List.copyOf(versions), List.copyOf(this.applied), replay,
        monitor.impressions(), monitor.scores(), monitor.examples(), trainer.examplesTrained(),
        trainer.versionsPublished(), applied.size(), finalVersion, lastVersion[0],
        monitor.versionsScoring(), monitor.latency(), monitor.steadyLatency(), monitor.visibleLatency(), monitor.served(), monitor.servedByVersion(),
        monitor.deadLetters(), seconds, startup, stopReason, failure);
  }

  private double since() {
    return (System.nanoTime() - pipelineStartNanos) / 1e9;
  }

  private void awaitRunning(ScorerApp scorer) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (scorer.streams().state() != KafkaStreams.State.RUNNING && !stopRequested) {
      KafkaStreams.State s = scorer.streams().state();
      if (s == KafkaStreams.State.ERROR || s == KafkaStreams.State.NOT_RUNNING
          || s == KafkaStreams.State.PENDING_ERROR) {
        throw new IllegalStateException("the scorer's streams stopped while starting (" + s + "); see the log");
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the scorer's streams did not reach RUNNING within 120 s (" + s + ")");
      }
      sleep(50);
    }
  }

  /** Stops the run when an app failed. */
  private void watch(ScorerApp scorer, Monitor monitor) {
    KafkaStreams.State s = scorer.streams().state();
    if (s == KafkaStreams.State.ERROR || s == KafkaStreams.State.PENDING_ERROR) {
      fail("the scorer", new IllegalStateException("its streams are in state " + s + "; see the log"));
    } else if (scorer.model().failure() != null) {
      fail("the scorer's model reader", scorer.model().failure());
    } else if (monitor.failure() != null) {
      fail("the monitor", monitor.failure());
    }
  }

  private synchronized Sample sample(ScorerApp scorer, Monitor monitor, StreamingTrainer trainer) {
    long now = System.nanoTime();
    double dt = Math.max(1e-3, (now - lastSampleNanos) / 1e9);
    lastSampleNanos = now;
    Monitor.Interval in = monitor.drain();
    // impressions whose labels are final: older than the window + grace (+ 2 s for the join's punctuation)
    long settled = System.currentTimeMillis() - settings.labelDelay().toMillis() - 2_000;
    StreamMetrics served = monitor.servedImpressions(settled - SERVED_WINDOW_S * 1000L, settled);
    long version = scorer.model().version();
    if (version > 0 && inService.add(version)) {
      applied.add(new double[] {since(), version});
    }
    long trained = trainer.examplesTrained();
    long trainedBefore = samples.isEmpty() ? 0 : samples.get(samples.size() - 1).trained();
    VersionPoint v = versions.isEmpty() ? null : versions.get(versions.size() - 1);
    Sample s = new Sample(since(), in.impressions / dt, in.scores / dt, in.examples / dt, (trained - trainedBefore) / dt,
        percentile(in.scoreLatency, 50), percentile(in.scoreLatency, 99), percentile(in.visibleLatency, 99),
        monitor.impressions(), monitor.scores(), monitor.examples(), trained, version, scorer.model().ageSeconds(),
        trainer.versionsPublished(), v == null ? Double.NaN : v.auc(), v == null ? Double.NaN : v.logLoss(),
        served.auc(), served.logLoss(),
        since() - (System.currentTimeMillis() - settled + SERVED_WINDOW_S * 500L) / 1000.0, monitor.deadLetters());
    samples.add(s);
    return s;
  }

  static double percentile(Histogram h, double p) {
    return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(p);
  }

  private void awaitUntil(java.util.function.BooleanSupplier done, long ms) {
    long deadline = System.nanoTime() + ms * 1_000_000L;
    while (!done.getAsBoolean() && System.nanoTime() < deadline) {
      sleep(50);
    }
  }

  private static void join(Thread t, long ms) {
    try {
      t.join(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static void deleteQuietly(Path dir) {
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
          Files.deleteIfExists(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      LOG.warn("could not delete the demo's directory {}: {}", dir, e.getMessage());
    }
  }
}

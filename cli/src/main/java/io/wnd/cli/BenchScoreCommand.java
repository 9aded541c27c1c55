package io.wnd.cli;

import io.wnd.broker.LocalKafka;
import io.wnd.cli.demo.Monitor;
import io.wnd.ingest.Row;
import io.wnd.ingest.generate.CriteoGenerator;
import io.wnd.ingest.replay.ClickDelay;
import io.wnd.ingest.replay.ReplayOptions;
import io.wnd.ingest.replay.ReplaySummary;
import io.wnd.ingest.replay.Replayer;
import io.wnd.schemas.topics.TopicAdmin;
import io.wnd.schemas.topics.Topics;
import io.wnd.scorer.ScorerApp;
import io.wnd.scorer.ScorerConfig;
import io.wnd.scorer.ScorerMetrics;
import io.wnd.state.encode.Encoder;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.version.ModelVersion;
import io.wnd.state.version.VersionPublisher;
import io.wnd.trainer.Changes;
import io.wnd.trainer.Example;
import io.wnd.trainer.WideDeepTrainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code wnd bench score}: the scorer's sustained throughput and its latency, steady and while versions are
 * applied, on a local broker with the production scorer (Kafka Streams, exactly-once v2, in this process).
 */
@Command(name = "score", mixinStandardHelpOptions = true, usageHelpWidth = 110,
    description = {"Measure the scorer on a local broker (in this process; or on the cluster -b names), for each",
        "spec in --spec:",
        "  1. model: a WideDeepTrainer learns --train-examples generated rows; published as version 1;",
        "  2. throughput: --warmup-events then --events generated impressions (and their clicks) are produced",
        "     first, then the scorer starts and drains them: scored/s over the --events (the JIT compiles while",
        "     the first are drained). Every --events impressions' event times span --backlog-event-time",
        "     and the attribution window is short (--attribution-window, --grace),",
        "     so that most impressions' windows close (a negative is sent) and most are forgotten while it drains:",
        "     the whole life of an impression in the join is measured, as in a scorer that runs for hours;",
        "  3. latency: paced traffic at --rate (default: half the measured throughput), --settle (not measured;",
        "     two versions are applied in it, so that the code that applies them is compiled, as in a scorer that",
        "     has run for a while), then --duration; latency is impression produced -> score produced (the score's",
        "     scored_at), and ->",
        "     readable by a read_committed consumer (adds the exactly-once commit interval);",
        "  4. the same while a new version (the trainer's changes after --swap-examples more examples) is",
        "     published every --swap-every.",
        "  Phases 3 and 4 are one continuous paced replay, told apart by the impressions' event times; it goes",
        "  on 3 s after phase 4 (not measured), so that the end of the replay is not in it.",
        "Nothing else should run on the machine while it measures. A heap that grows during the run stalls the",
        "process for up to hundreds of ms each time (shown as latency): for stable numbers give it a fixed,",
        "pre-touched heap, e.g. JAVA_OPTS='-Xms3g -Xmx3g -XX:+AlwaysPreTouch' ./wnd bench score.", ""})
final class BenchScoreCommand implements java.util.concurrent.Callable<Integer> {
  @Spec
  CommandSpec spec;

  /**
   * The streams of the generator's seed (see {@code CriteoGenerator}) that the model is trained on, the backlog
   * drained and the paced phases replay: one distribution of ids, three sets of rows. The paced traffic is not the
   * backlog's again: a scorer that ran for a while meets new impressions, and ids it has not cached yet (the
   * backlog filled the default hot-row cache, 1,000,000 rows; replaying it made the steady phase read no row from
   * RocksDB, and the swapping phase, further into it, 128,000-182,000). Before, the model was trained on another
   * seed, whose ids the traffic never has: the versions changed no row the traffic read.
   */
  static final long BACKLOG_STREAM = 0;
  static final long TRAINING_STREAM = 1;
  static final long PACED_STREAM = 2;

  /** Versions applied while settling (when there is a settling phase), before anything is measured. */
  static final int SETTLE_SWAPS = 2;
  /** The values of {@code --producer-compression}: Kafka's compression types. */
  static final List<String> COMPRESSION_TYPES = List.of("none", "gzip", "snappy", "lz4", "zstd");
  /**
   * How long the paced replay goes on after the swapping phase (not measured). A replay ends by sending the clicks
   * still pending, with event times up to a click delay ahead: stream time jumps and the windows of those seconds
   * close together, a stall that no continuous stream has. In the phase, it delayed the scores of its last 250 ms
   * by over 500 ms: 1 % of a 20 s phase, its p99.
   */
  static final long TAIL_MS = 3_000;

  @Option(names = "--spec", paramLabel = "NAME|FILE", split = ",", defaultValue = "criteo",
      description = "Specs to measure, comma-separated (default: ${DEFAULT-VALUE}; e.g. criteo,criteo-large).")
  List<String> specs;

  @Option(names = "--events", defaultValue = "200000", description = "Backlog of impressions for the throughput phase (default: ${DEFAULT-VALUE}).")
  long events;

  @Option(names = "--warmup-events", paramLabel = "N", defaultValue = "300000",
      description = "Impressions at the start of the backlog, drained before the measured ones: the JIT compiles the scorer's "
          + "code (and the clients' and the broker's) while a new process drains its first impressions, which takes "
          + "most of a core for tens of seconds on 2 cores; their rate is reported as throughput_cold_per_s "
          + "(default: ${DEFAULT-VALUE}; 0 for none).")
  long warmupEvents;

  @Option(names = "--duration", paramLabel = "T", defaultValue = "30s", description = "Length of each latency phase (default: ${DEFAULT-VALUE}).")
  String duration;

  @Option(names = "--settle", paramLabel = "T", defaultValue = "40s",
      description = "Paced traffic before the steady phase, not measured: after the backlog the scorer's stores and "
          + "the broker catch up, and the JIT compiles what paced traffic runs (on 2 cores the compiler took half a "
          + "core or more for its first 12 s, and little after 30-50 s); neither is steady state (default: "
          + "${DEFAULT-VALUE}; 0s for none).")
  String settle;

  @Option(names = "--producer-linger-ms", defaultValue = "5",
      description = "linger.ms of the impressions' producer in the paced phases. Latency is timed from when an "
          + "impression is due, so the producer's batching delay is part of it (default: ${DEFAULT-VALUE}, Kafka's "
          + "own default since 4.0; wnd replay uses 10). Wins over -X and --client-config.")
  int lingerMs;

  @Option(names = "--producer-compression", paramLabel = "TYPE", defaultValue = "none",
      description = "compression.type of the impressions' producer in the paced phases: none, gzip, snappy, lz4 or "
          + "zstd (default: ${DEFAULT-VALUE}, Kafka's default; wnd replay uses lz4, for bulk replays). A paced "
          + "producer makes small batches, and Kafka's lz4 allocates two 64 KB block buffers per batch: at 10,000 "
          + "impressions/s in 5 ms batches, about 235 MB/s of garbage, 40 % of the bench process's allocation. Wins "
          + "over -X and --client-config.")
  String compression;

  @Option(names = "--rate", paramLabel = "N", description = "Impressions/s of the latency phases (default: half the measured throughput).")
  Double rate;

  @Option(names = "--swap-every", paramLabel = "T", defaultValue = "5s", description = "A new version this often in the swap phase (default: ${DEFAULT-VALUE}).")
  String swapEvery;

  @Option(names = "--train-examples", defaultValue = "50000", description = "Examples version 1 is trained on (default: ${DEFAULT-VALUE}).")
  int trainExamples;

  @Option(names = "--swap-examples", defaultValue = "256", description = "Examples trained between two versions of the swap phase (default: ${DEFAULT-VALUE}).")
  int swapExamples;

  @Option(names = "--attribution-window", paramLabel = "T", defaultValue = "5s",
      description = "The scorer's attribution window (default: ${DEFAULT-VALUE}; the clicks' delays are at most 5 s).")
  String window;

  @Option(names = "--grace", paramLabel = "T", defaultValue = "1s",
      description = "The scorer's grace for late records (default: ${DEFAULT-VALUE}).")
  String grace;

  @Option(names = "--backlog-event-time", paramLabel = "T", defaultValue = "40s",
      description = "The event time the backlog's impressions span, ending now (default: ${DEFAULT-VALUE}: with the "
          + "default window and grace, most of their windows close, and most are forgotten, while the backlog drains).")
  String backlogSpan;

  @Option(names = "--commit-interval-ms", description = "The scorer's Kafka Streams commit.interval.ms (default: the scorer's default).")
  Long commitIntervalMs;

  @Option(names = "--scorer-config", paramLabel = "KEY=VALUE",
      description = "A scorer setting by its full key (e.g. scorer.streams.max.task.idle.ms=0: a Kafka Streams setting; wnd score -S sets the same); repeatable.")
  Map<String, String> scorerConfig = new LinkedHashMap<>();

  @Option(names = "--partitions", defaultValue = "6", description = "Partitions of the input topics (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the generated traffic (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = {"-b", "--bootstrap-servers"}, paramLabel = "HOST:PORT[,...]",
      description = "Measure against this Kafka cluster instead of a broker started in this process, which then takes "
          + "none of this machine's CPU. The run's topics get a prefix of their own (bench-score-<time>-<n>-<spec>.), "
          + "and they, the scorer's internal topics and its consumer group are deleted at the end. "
          + "Default: a local broker in this process.")
  String bootstrap;

  /** With -b: the client settings (--client-config, -X) of that cluster. */
  @picocli.CommandLine.Mixin
  ClientOptions client;

  @Option(names = "--json", description = "Print one JSON object on the last line.")
  boolean json;

  private PrintWriter err;
  /** The client settings of the cluster named by -b, or null for a broker in this process. */
  private Map<String, Object> cluster;
  /** What names this run's topics, application and transactional ids on a cluster named by -b. */
  private final String run = "bench-score-" + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
      .withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.now()) + "-"
      + Integer.toHexString(new java.util.SplittableRandom().nextInt(0x1000, 0x10000));
  private long settleMs;
  private long windowMs;
  private long graceMs;
  private long backlogSpanMs;

  @Override
  public Integer call() throws Exception {
    long durationMs = Cli.millis(spec, "--duration", duration);
    long swapMs = Cli.millis(spec, "--swap-every", swapEvery);
    settleMs = Cli.millis(spec, "--settle", settle);
    windowMs = Cli.millis(spec, "--attribution-window", window);
    graceMs = Cli.millis(spec, "--grace", grace);
    backlogSpanMs = Cli.millis(spec, "--backlog-event-time", backlogSpan);
    if (windowMs < 1 || backlogSpanMs < 1) {
      throw new ParameterException(spec.commandLine(), "--attribution-window and --backlog-event-time must be > 0");
    }
    if (lingerMs < 0) {
      throw new ParameterException(spec.commandLine(), "--producer-linger-ms must be >= 0, got " + lingerMs);
    }
    if (!COMPRESSION_TYPES.contains(compression)) {
      throw new ParameterException(spec.commandLine(), "--producer-compression must be one of "
          + String.join(", ", COMPRESSION_TYPES) + ", got '" + compression + "'");
    }
    if (warmupEvents < 0) {
      throw new ParameterException(spec.commandLine(), "--warmup-events must be >= 0, got " + warmupEvents);
    }
    if (events < 1000 || trainExamples < 1 || swapExamples < 1 || partitions < 1 || (rate != null && !(rate > 0))) {
      throw new ParameterException(spec.commandLine(),
          "--events must be >= 1000, --train-examples, --swap-examples, --partitions and --rate >= 1");
    }
    client.requireClusterForSettings(bootstrap);
    cluster = bootstrap == null ? null : client.clientConfig(bootstrap);
    Map<String, FeatureSpec> fss = new LinkedHashMap<>();
    for (String s : specs) {
      fss.put(s, Specs.load(spec, s)); // a bad name or file fails here, before anything starts
    }
    PrintWriter out = spec.commandLine().getOut();
    err = spec.commandLine().getErr();
    Map<String, Object> heap = BenchCommand.heap();
    if (!Boolean.TRUE.equals(heap.get("fixed"))) {
      progress("warning: the heap is not fixed and pre-touched (-Xms %d MiB, -Xmx %d MiB%s); each time it grows the process "
          + "stalls, which shows as latency. For stable numbers: JAVA_OPTS='-Xms3g -Xmx3g -XX:+AlwaysPreTouch'",
          heap.get("initial_mb"), heap.get("max_mb"), Boolean.TRUE.equals(heap.get("pre_touched")) ? "" : ", no AlwaysPreTouch");
    }
    List<Map<String, Object>> results = new ArrayList<>();
    for (Map.Entry<String, FeatureSpec> e : fss.entrySet()) {
      Map<String, Object> r = measure(e.getKey(), e.getValue(), durationMs, swapMs);
      results.add(r);
      if (!json) {
        print(out, r);
      }
    }
    if (json) {
      Map<String, Object> all = new LinkedHashMap<>();
      all.put("specs", results);
      all.put("machine", Runtime.getRuntime().availableProcessors() + " cores, Java " + System.getProperty("java.version"));
      all.put("cores", Runtime.getRuntime().availableProcessors());
      all.put("heap", heap);
      Json.print(out, all);
    }
    return 0;
  }

  private Map<String, Object> measure(String specArg, FeatureSpec fs, long durationMs, long swapMs) throws Exception {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("spec", fs.name());
    Path dir = Files.createTempDirectory("wnd-bench-score-");
    ScorerApp scorer = null;
    Monitor monitor = null;
    LocalKafka kafka = null;
    // on a cluster named by -b, names of this run's own, deleted at the end; a broker of its own holds nothing else
    String names = cluster == null ? null : run + "-" + fs.name().replaceAll("[^A-Za-z0-9._-]", "_");
    Topics topics = new Topics(names == null ? "bench." : names + ".", partitions);
    String scorerId = names == null ? "wnd-bench-scorer" : names + "-scorer";
    // not a try-with-resources: the broker must stop after the scorer (resources close before a finally block runs),
    // or the scorer's last commit waits for a broker that is gone and its stream thread outlives the close
    try {
      if (cluster == null) {
        kafka = LocalKafka.create(dir.resolve("kafka"), 0, 0, Map.of()).start(Duration.ofSeconds(60));
      }
      Map<String, Object> client = kafka != null ? ClientOptions.localClient(kafka.bootstrapServers()) : cluster;
      r.put("broker", kafka != null ? "local, in this process" : "external: " + bootstrap);
      r.put("topic_prefix", topics.prefix());
      try (Admin admin = Admin.create(client)) {
        // on a cluster, its default replication factor
        new TopicAdmin(admin, topics, kafka != null ? (short) 1 : (short) -1).create();
      }

      // 1. the model, and the versions of the swap phase, trained before anything is timed
      progress("%s: training version 1 on %,d generated examples", fs.name(), trainExamples);
      WideDeepTrainer trainer = new WideDeepTrainer(fs, Clock.systemUTC());
      Encoder encoder = new Encoder(fs);
      // the traffic's distribution (the same seed: the same ids, as a trainer learns from the scorer's own
      // traffic), other rows than the traffic's (another stream of the seed)
      CriteoGenerator training = new CriteoGenerator(seed, -1, CriteoGenerator.DEFAULT_BASE_RATE,
          CriteoGenerator.DEFAULT_ZIPF_EXPONENT, Integer.MAX_VALUE, TRAINING_STREAM);
      train(trainer, encoder, training, fs, trainExamples);
      Changes first = trainer.drainChanges();
      long modelRows = first.size();
      r.put("model_rows", modelRows);
      // the versions of the swap phase, and before them those applied while settling (see SETTLE_SWAPS)
      int swaps = (settleMs > 0 ? SETTLE_SWAPS : 0) + (int) (durationMs / swapMs) + 1;
      List<Changes> later = new ArrayList<>();
      List<float[]> laterDense = new ArrayList<>();
      for (int i = 0; i < swaps; i++) {
        train(trainer, encoder, training, fs, swapExamples);
        later.add(trainer.drainChanges());
        laterDense.add(trainer.model().tower().toFlat());
      }
      try (VersionPublisher publisher = new VersionPublisher(client, topics,
          names == null ? "wnd-bench-trainer" : names + "-trainer")) {
        publisher.publish(version(fs, 1, trainer.model().tower().toFlat()), List.of(first.wide(), first.embeddings()),
            Map.of(), null);

        // 2. throughput: a backlog, then the scorer drains it
        // scores only: the examples are as many as the impressions, and decoding them would take CPU from the scorer
        monitor = new Monitor(client, topics, false);
        monitor.start();
        progress("%s: producing a backlog of %,d impressions (%,d to warm up on, then %,d measured)", fs.name(),
            warmupEvents + events, warmupEvents, events);
        // one backlog, the warm-up impressions first, all at the same event-time density
        long spanMs = Math.round(backlogSpanMs * (double) (warmupEvents + events) / events);
        ReplaySummary backlog = replay(client, topics, BACKLOG_STREAM, 0, events * 1000.0 / backlogSpanMs,
            warmupEvents + events, -1, System.currentTimeMillis() - spanMs);
        progress("%s: starting the scorer; it drains the backlog", fs.name());
        Map<String, Object> props = ScoreCommand.clusterProps(client, topics.prefix());
        props.put(ScorerConfig.APPLICATION_ID_CONFIG, scorerId);
        props.put(ScorerConfig.SPEC_CONFIG, specArg);
        props.put(ScorerConfig.MODEL_NAME_CONFIG, fs.name());
        props.put(ScorerConfig.HTTP_PORT_CONFIG, -1);
        props.put(ScorerConfig.MODEL_DIR_CONFIG, dir.resolve("model").toString());
        props.put("scorer.streams.state.dir", dir.resolve("streams").toString());
        if (commitIntervalMs != null) {
          props.put("scorer.streams.commit.interval.ms", commitIntervalMs);
        }
        props.put(ScorerConfig.ATTRIBUTION_WINDOW_MS_CONFIG, windowMs);
        props.put(ScorerConfig.ATTRIBUTION_GRACE_MS_CONFIG, graceMs);
        props.putAll(scorerConfig);
        scorer = ScorerApp.start(new ScorerConfig(props));
        Monitor mon = monitor;
        ScorerApp sc = scorer;
        awaitUntil(() -> mon.scores() > 0, 180_000, sc);
        Double coldRate = null;
        if (warmupEvents > 0) {
          // the JIT compiles the scorer's, the clients' and the broker's code (most of a core, for tens of seconds on
          // this machine) while the first impressions are drained
          long cold0 = System.nanoTime();
          long coldScores0 = monitor.scores();
          long warm = Math.min(warmupEvents, backlog.impressions() - 1);
          awaitUntil(() -> mon.scores() >= warm, 600_000, sc);
          coldRate = (mon.scores() - coldScores0) / Math.max(1e-9, (System.nanoTime() - cold0) / 1e9);
          progress("%s: %,.0f scored/s while the JIT warmed up (%,d scores)", fs.name(), coldRate, mon.scores());
        }
        long target = backlog.impressions();
        long t0 = System.nanoTime();
        long s0 = monitor.scores();
        Map<Long, Long> threadCpu0 = threadCpuNanos();
        long streamCpu0 = streamThreadsCpuNanos();
        long streamAlloc0 = streamThreadsAllocatedBytes();
        long processCpu0 = processCpuNanos();
        awaitUntil(() -> mon.scores() >= target, 600_000, sc);
        double secs = (System.nanoTime() - t0) / 1e9;
        double throughput = (target - s0) / secs;
        // CPU per score: steadier than scores/s on a shared machine (it leaves out the time the thread waited for a
        // core), and it tells how much of the machine the rest of the process took (this JVM runs the broker too,
        // unless --bootstrap-servers names another, and the producer and the monitor)
        double streamUs = (streamThreadsCpuNanos() - streamCpu0) / 1e3 / Math.max(1, target - s0);
        double processUs = (processCpuNanos() - processCpu0) / 1e3 / Math.max(1, target - s0);
        Map<String, Double> byThread = cpuByThreadGroup(threadCpu0, target - s0);
        double streamAlloc = (streamThreadsAllocatedBytes() - streamAlloc0) / (double) Math.max(1, target - s0);
        long negatives = (long) scorer.metrics().outcomeCount(ScorerMetrics.NEGATIVE);
        long positives = (long) scorer.metrics().outcomeCount(ScorerMetrics.POSITIVE);
        r.put("throughput_per_s", Math.round(throughput));
        r.put("throughput_scores", target - s0);
        r.put("throughput_warmup_scores", s0);
        r.put("throughput_cold_per_s", coldRate == null ? null : Math.round(coldRate));
        r.put("throughput_stream_thread_cpu_us_per_score", Math.round(streamUs * 10) / 10.0);
        r.put("throughput_process_cpu_us_per_score", Math.round(processUs * 10) / 10.0);
        r.put("throughput_cpu_us_per_score_by_thread", byThread);
        r.put("throughput_stream_thread_allocated_bytes_per_score", streamAlloc0 < 0 ? null : Math.round(streamAlloc));
        r.put("attribution_window_ms", windowMs);
        r.put("attribution_grace_ms", graceMs);
        r.put("backlog_event_time_ms", backlogSpanMs);
        // the join's work beyond scoring while the backlog drained: examples sent (a negative when a window closed)
        r.put("throughput_negatives", negatives);
        r.put("throughput_positives", positives);
        // clicks read after their impression's window had closed (the negative already sent): with a backlog on both
        // topics, how far the task read one topic ahead of the other (see max.task.idle.ms)
        r.put("throughput_late_clicks", (long) scorer.metrics().outcomeCount(ScorerMetrics.LATE_CLICK));
        // clicks read before their impression (they wait for it in the join's store: two writes and a read more)
        r.put("throughput_early_clicks", (long) scorer.metrics().earlyClickCount());
        r.put("commit_interval_ms", commitIntervalMs == null ? "default" : commitIntervalMs);
        r.put("scorer_config", new LinkedHashMap<>(scorerConfig));
        progress("%s: %,.0f scored/s (%,d scores in %.1f s; CPU per score: %.1f us on the stream threads, %.1f us "
            + "in this process)", fs.name(), throughput, target - s0, secs, streamUs, processUs);

        // 3. latency at a steady rate
        double paced = rate != null ? rate : Math.max(100, Math.floor(throughput / 2));
        r.put("rate_per_s", Math.round(paced));
        r.put("settle_ms", settleMs);
        r.put("producer_linger_ms", lingerMs);
        r.put("producer_compression", compression);
        // one paced replay runs through the settling, steady and swapping phases, which are told apart by the
        // impressions' event times. A replay per phase would start each phase with a new producer, and end the one
        // before with a burst of its pending clicks, whose event times (up to a click delay ahead) move stream time
        // on by seconds at once: all the windows of those seconds would close together, a stall that no continuous
        // stream has
        Monitor.Interval[] phases = monitor.phasesFromFirstEvent(0, settleMs, settleMs + durationMs,
            settleMs + 2 * durationMs);
        long before = monitor.scores();
        CompletableFuture<ReplaySummary> replay = CompletableFuture.supplyAsync(() -> {
          try {
            return replay(paced(client), topics, PACED_STREAM, paced, paced, -1,
                settleMs + 2 * durationMs + TAIL_MS);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }, task -> {
          Thread t = new Thread(task, "wnd-bench-replay");
          t.setDaemon(true); // a failed bench does not wait for it
          t.start();
        });
        awaitUntil(() -> mon.phaseOrigin() != Long.MIN_VALUE || replay.isDone(), 60_000, sc);
        if (replay.isDone()) {
          replay.join(); // rethrows what stopped it
          throw new IllegalStateException("the paced replay ended before any impression was scored");
        }
        long origin = monitor.phaseOrigin();
        // version 2 + i: the changes of the i-th later training
        java.util.function.IntConsumer publishLater = i -> publisher.publish(version(fs, 2 + i, laterDense.get(i)),
            List.of(later.get(i).wide(), later.get(i).embeddings()), Map.of(), null);
        int applied = 0;
        if (settleMs > 0) {
          progress("%s: settling at %,.0f/s for %d s (not measured; %d versions applied)", fs.name(), paced,
              settleMs / 1000, SETTLE_SWAPS);
          // a scorer that runs for hours applies versions all along, with compiled code; the first versions a new
          // JVM applies (and the bench publishes) run code not compiled yet: the reader, the store's commit, the new
          // view's tower. Without these, in one run the first version of the swapping phase delayed scores by up to
          // 427 ms for 1.5 s, the next two by 140 and 78 ms. Applied early enough to be over before the steady phase
          for (int i = 1; i <= SETTLE_SWAPS; i++) {
            sleepUntil(origin + settleMs * i / (SETTLE_SWAPS + 1));
            publishLater.accept(applied++);
          }
        }
        sleepUntil(origin + settleMs);
        progress("%s: steady traffic at %,.0f/s for %d s", fs.name(), paced, durationMs / 1000);
        Work steady0 = Work.now(scorer);
        sleepUntil(origin + settleMs + durationMs);
        Map<String, Object> steadyThread = streamThread(scorer);
        Work steady1 = Work.now(scorer);

        // 4. the same while versions are applied
        progress("%s: the same with a new version every %d s", fs.name(), swapMs / 1000);
        long versionBefore = scorer.model().version();
        // stopped by the latch, not by an interrupt: an interrupt inside publish() would abort a transaction halfway
        CountDownLatch stopSwapping = new CountDownLatch(1);
        int firstSwap = applied;
        Thread swapper = new Thread(() -> {
          for (int i = firstSwap; i < later.size(); i++) {
            try {
              if (stopSwapping.await(swapMs, TimeUnit.MILLISECONDS)) {
                return;
              }
            } catch (InterruptedException e) {
              return;
            }
            publishLater.accept(i);
          }
        }, "wnd-bench-swapper");
        swapper.start();
        sleepUntil(origin + settleMs + 2 * durationMs);
        Work swap1 = Work.now(scorer);
        ReplaySummary paced0;
        try {
          paced0 = replay.join();
        } catch (CompletionException e) {
          throw e.getCause() instanceof RuntimeException re ? re : e;
        } finally {
          stopSwapping.countDown();
          swapper.join(60_000);
        }
        ReplaySummary pacedRun = paced0;
        awaitUntil(() -> mon.scores() >= before + pacedRun.impressions(), 60_000, sc);
        Monitor.Interval st = phases[1];
        Monitor.Interval sw = phases[2];
        Map<String, Object> steadyResult = latency(st, st.impressions);
        steadyResult.put("stream_thread", steadyThread);
        steady0.putDone(steady1, st.impressions, steadyResult);
        // rows in the hot-row cache at the end of the run (a full one, scorer.model.cache.rows, caches no more)
        r.put("row_cache_rows", scorer.model().store().cachedRows());
        r.put("steady", steadyResult);
        Map<String, Object> swap = latency(sw, sw.impressions);
        swap.put("stream_thread", streamThread(scorer));
        steady1.putDone(swap1, sw.impressions, swap);
        swap.put("versions_applied", scorer.model().version() - versionBefore);
        double changedPerVersion = later.subList(firstSwap, later.size()).stream().mapToInt(Changes::size).average()
            .orElse(0);
        swap.put("rows_changed_per_version", Math.round(changedPerVersion));
        swap.put("share_of_rows_changed", round4(changedPerVersion / modelRows));
        r.put("swapping", swap);
        double ratio = sw.scoreLatency.getValueAtPercentile(99) / (double) Math.max(1, st.scoreLatency.getValueAtPercentile(99));
        r.put("p99_ratio_swapping_to_steady", round4(ratio));
      }
    } finally {
      if (scorer != null) {
        scorer.close();
      }
      if (monitor != null) {
        monitor.close();
      }
      if (kafka != null) {
        kafka.close();
      } else {
        BenchCommand.deleteRun(cluster, topics.prefix(), scorerId, err);
      }
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
      }
    }
    return r;
  }

  /**
   * Where the scorer's stream threads spent their time (Kafka Streams' thread metrics, the largest over the threads):
   * the longest poll, commit, punctuation and record, ms, and the share of time polling. These are over Kafka's
   * metrics window (two samples of 30 s), so a phase's figure may include the end of the one before. A latency tail
   * that the records' own processing does not explain shows here.
   */
  private static Map<String, Object> streamThread(ScorerApp scorer) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (String name : List.of("poll-latency-max", "commit-latency-max", "punctuate-latency-max", "process-latency-max",
        "poll-ratio")) {
      double max = Double.NaN;
      for (var e : scorer.streams().metrics().entrySet()) {
        if (e.getKey().group().equals("stream-thread-metrics") && e.getKey().name().equals(name)
            && e.getValue().metricValue() instanceof Double d && !d.isNaN()) {
          max = Double.isNaN(max) ? d : Math.max(max, d);
        }
      }
      String key = name.replace('-', '_').replace("_max", "_max_ms");
      m.put(key, Double.isNaN(max) ? null : Math.round(max * 1000) / 1000.0);
    }
    return m;
  }

  /** CPU time of this JVM's Kafka Streams stream threads (the scorer's), summed. */
  private static long streamThreadsCpuNanos() {
    return sumOverStreamThreads(java.lang.management.ManagementFactory.getThreadMXBean()::getThreadCpuTime);
  }

  /**
   * Bytes the stream threads allocated on the heap, summed: a measure of the scorer's work that, unlike its CPU time,
   * does not depend on how busy the machine is (-1 where the JVM does not count allocations).
   */
  private static long streamThreadsAllocatedBytes() {
    if (!(java.lang.management.ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads)
        || !threads.isThreadAllocatedMemoryEnabled()) {
      return -1;
    }
    return sumOverStreamThreads(threads::getThreadAllocatedBytes);
  }

  /** A per-thread counter (by thread id; negative where unknown) summed over this JVM's stream threads. */
  private static long sumOverStreamThreads(java.util.function.LongUnaryOperator perThread) {
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (java.lang.management.ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (t != null && t.getThreadName().matches(".*-StreamThread-[0-9]+")) {
        sum += Math.max(0, perThread.applyAsLong(t.getThreadId()));
      }
    }
    return sum;
  }

  /** CPU time of every live thread of this JVM, by thread id. */
  private static Map<Long, Long> threadCpuNanos() {
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    Map<Long, Long> m = new HashMap<>();
    for (java.lang.management.ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (t != null) {
        m.put(t.getThreadId(), threads.getThreadCpuTime(t.getThreadId()));
        THREAD_NAMES.putIfAbsent(t.getThreadId(), t.getThreadName());
      }
    }
    return m;
  }

  /**
   * What the process had done at a point of a paced phase (taken by wall time, a phase's bounds being in event time:
   * the same, when the scorer is on time).
   *
   * @param threadCpu     {@link #threadCpuNanos}
   * @param processCpu    {@link #processCpuNanos}
   * @param rowsRead      sparse rows read from RocksDB: neither cached nor ruled out by the key filter
   * @param rowsRuledOut  sparse rows the key filter ruled out
   */
  private record Work(Map<Long, Long> threadCpu, long processCpu, long rowsRead, long rowsRuledOut, long nanos) {
    static Work now(ScorerApp scorer) {
      return new Work(threadCpuNanos(), processCpuNanos(), scorer.model().store().cacheMisses(),
          scorer.model().store().filteredAbsent(), System.nanoTime());
    }

    /**
     * Puts what was done from this point to a later one into a phase's result: where the CPU went per impression
     * (the paced producer, wnd-bench-replay and its network thread, the broker and the monitor run beside the
     * scorer, as in the throughput phase), and the model's rows read and ruled out.
     */
    void putDone(Work later, long impressions, Map<String, Object> result) {
      long n = Math.max(1, impressions);
      result.put("row_cache_misses", later.rowsRead - rowsRead);
      result.put("rows_ruled_out", later.rowsRuledOut - rowsRuledOut);
      result.put("process_cpu_us_per_score", Math.round((later.processCpu - processCpu) / 1e2 / n) / 10.0);
      // how many cores the process kept busy on average: near all of the machine's, a score waits for a core, and
      // the tail measures that more than the scorer
      result.put("process_cores_busy", Math.round((later.processCpu - processCpu) * 100.0
          / Math.max(1, later.nanos - nanos)) / 100.0);
      result.put("cpu_us_per_score_by_thread", cpuByThreadGroup(threadCpu, later.threadCpu, impressions));
      result.put("cpu_us_per_score_outside_java_threads",
          outsideJavaThreads(later.processCpu - processCpu, threadCpu, later.threadCpu, impressions));
    }
  }

  /**
   * The process's CPU per score that no Java thread accounts for: the JVM's own threads (the garbage collector's,
   * the JIT compilers'), and Java threads that started and ended between the two snapshots.
   */
  private static double outsideJavaThreads(long processNanos, Map<Long, Long> before, Map<Long, Long> after,
      long scores) {
    long threads = 0;
    for (Map.Entry<Long, Long> t : after.entrySet()) {
      if (t.getValue() >= 0) {
        threads += t.getValue() - Math.max(0, before.getOrDefault(t.getKey(), 0L));
      }
    }
    return Math.round((processNanos - threads) / 1e2 / Math.max(1, scores)) / 10.0;
  }

  /** The names of the threads {@link #threadCpuNanos} saw: a thread may end before its CPU is reported. */
  private static final Map<Long, String> THREAD_NAMES = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * The CPU the threads took since {@code before}, per score, by group of thread (the name without its numbers: a
   * broker's request handlers are one group), the largest first, groups under 1 us per score left out.
   */
  private static Map<String, Double> cpuByThreadGroup(Map<Long, Long> before, long scores) {
    return cpuByThreadGroup(before, threadCpuNanos(), scores);
  }

  /** CPU per score by thread group between two {@link #threadCpuNanos} (threads still alive). */
  private static Map<String, Double> cpuByThreadGroup(Map<Long, Long> before, Map<Long, Long> after, long scores) {
    Map<String, Double> sums = new HashMap<>();
    for (Map.Entry<Long, Long> t : after.entrySet()) {
      long now = t.getValue();
      if (now < 0) {
        continue;
      }
      long spent = now - Math.max(0, before.getOrDefault(t.getKey(), 0L));
      // the names of a run on a cluster named by -b start with the run's (see run)
      String group = THREAD_NAMES.getOrDefault(t.getKey(), "?").replaceAll("[0-9a-f]{8}-[0-9a-f-]{27}", "<uuid>")
          .replaceAll("bench-score-[0-9]{8}-[0-9]{6}-[0-9a-f]{4}-", "<run>-").replaceAll("[0-9]+", "N");
      sums.merge(group, spent / 1e3 / Math.max(1, scores), Double::sum);
    }
    Map<String, Double> out = new LinkedHashMap<>();
    sums.entrySet().stream().filter(e -> e.getValue() >= 1).sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .forEach(e -> out.put(e.getKey(), Math.round(e.getValue() * 10) / 10.0));
    return out;
  }

  /** CPU time of this whole JVM. */
  private static long processCpuNanos() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
  }

  private static void train(WideDeepTrainer trainer, Encoder encoder, CriteoGenerator gen, FeatureSpec fs, int n) {
    List<Example> batch = new ArrayList<>(fs.batchSize());
    for (int i = 0; i < n; i++) {
      Row row = gen.next();
      batch.add(Example.encode(encoder, row.features(), row.label()));
      if (batch.size() == fs.batchSize() || i == n - 1) {
        trainer.train(batch);
        batch.clear();
      }
    }
  }

  private static ModelVersion version(FeatureSpec fs, long v, float[] dense) {
    return new ModelVersion(fs.name(), v, v - 1, System.currentTimeMillis(), 0, Map.of(), Map.of(), fs.toJson(), dense, 0);
  }

  private ReplaySummary replay(Map<String, Object> client, Topics topics, long stream, double wallRate,
      double eventRate, long count, long durationMs) throws IOException {
    return replay(client, topics, stream, wallRate, eventRate, count, durationMs, ReplayOptions.START_NOW);
  }

  private ReplaySummary replay(Map<String, Object> client, Topics topics, long stream, double wallRate,
      double eventRate, long count, long durationMs, long startTime) throws IOException {
    AtomicReference<CriteoGenerator> last = new AtomicReference<>();
    ReplayOptions o = new ReplayOptions(wallRate, eventRate, startTime, 0, -1, durationMs,
        ClickDelay.parse("exp:1s:5s"), seed, null, false);
    // each phase its own ids: a prefix per phase so no impression repeats an earlier one
    Replayer.Source source = Sources.prefixed("bench-" + System.nanoTime() + "-",
        Sources.generated(seed, stream, count, CriteoGenerator.DEFAULT_BASE_RATE, Integer.MAX_VALUE, last));
    return new Replayer(client, topics, o).run(List.of(source), () -> 0, (rows, imps, clicks, rej, secs, fraction) -> { });
  }

  /** The client settings of the paced phases' producer: {@code --producer-linger-ms} and {@code --producer-compression}. */
  private Map<String, Object> paced(Map<String, Object> client) {
    Map<String, Object> m = new LinkedHashMap<>(client);
    m.put(org.apache.kafka.clients.producer.ProducerConfig.LINGER_MS_CONFIG, lingerMs);
    m.put(org.apache.kafka.clients.producer.ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
    return m;
  }

  private static Map<String, Object> latency(Monitor.Interval in, long produced) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("impressions", produced);
    m.put("scores", in.scores);
    Histogram h = in.scoreLatency;
    m.put("p50_ms", h.getValueAtPercentile(50));
    m.put("p99_ms", h.getValueAtPercentile(99));
    m.put("p999_ms", h.getValueAtPercentile(99.9));
    m.put("max_ms", h.getMaxValue());
    Histogram v = in.visibleLatency;
    m.put("readable_p50_ms", v.getValueAtPercentile(50));
    m.put("readable_p99_ms", v.getValueAtPercentile(99));
    m.put("readable_p999_ms", v.getValueAtPercentile(99.9));
    return m;
  }

  private static double round4(double x) {
    return Math.round(x * 10_000) / 10_000.0;
  }

  private void awaitUntil(BooleanSupplier done, long ms, ScorerApp scorer) throws InterruptedException {
    long deadline = System.nanoTime() + ms * 1_000_000L;
    while (!done.getAsBoolean()) {
      KafkaStreams.State s = scorer.streams().state();
      if (s == KafkaStreams.State.ERROR || s == KafkaStreams.State.PENDING_ERROR || s == KafkaStreams.State.NOT_RUNNING) {
        throw new IllegalStateException("the scorer stopped (" + s + "); see the log");
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the scorer did not finish within " + ms / 1000 + " s");
      }
      Thread.sleep(10);
    }
  }

  /** Sleeps until a wall-clock time (ms since the epoch). */
  private static void sleepUntil(long epochMillis) throws InterruptedException {
    long ms;
    while ((ms = epochMillis - System.currentTimeMillis()) > 0) {
      Thread.sleep(Math.min(ms, 100));
    }
  }

  private void progress(String format, Object... args) {
    err.printf(Locale.ROOT, "bench score: " + format + "%n", args);
    err.flush();
  }

  @SuppressWarnings("unchecked")
  private static void print(PrintWriter out, Map<String, Object> r) {
    out.printf(Locale.ROOT, "%nspec %s (%,d model rows)%n", r.get("spec"), (Long) r.get("model_rows"));
    out.printf(Locale.ROOT, "  throughput            %,d scored/s (commit interval %s)%n", (Long) r.get("throughput_per_s"),
        r.get("commit_interval_ms"));
    if (r.get("throughput_cold_per_s") != null) {
      out.printf(Locale.ROOT, "    while warming up    %,d scored/s (the first %,d scores; the JIT compiles meanwhile)%n",
          (Long) r.get("throughput_cold_per_s"), (Long) r.get("throughput_warmup_scores"));
    }
    out.printf(Locale.ROOT, "    CPU per score       %.1f us on the stream threads, %.1f us in the whole process%n",
        (Double) r.get("throughput_stream_thread_cpu_us_per_score"), (Double) r.get("throughput_process_cpu_us_per_score"));
    if (r.get("throughput_stream_thread_allocated_bytes_per_score") != null) {
      out.printf(Locale.ROOT, "    heap per score      %,d bytes allocated by the stream threads%n",
          (Long) r.get("throughput_stream_thread_allocated_bytes_per_score"));
    }
    out.printf(Locale.ROOT, "    join while draining %,d negatives and %,d positives sent (window %d ms, grace %d ms, backlog over %d s of "
        + "event time)%n", (Long) r.get("throughput_negatives"), (Long) r.get("throughput_positives"),
        (Long) r.get("attribution_window_ms"), (Long) r.get("attribution_grace_ms"), (Long) r.get("backlog_event_time_ms") / 1000);
    for (String phase : List.of("steady", "swapping")) {
      Map<String, Object> m = (Map<String, Object>) r.get(phase);
      out.printf(Locale.ROOT, "  %-9s at %,d/s  produced->scored p50 %d ms, p99 %d ms, p99.9 %d ms; ->readable p50 %d, p99 %d, p99.9 %d ms%n",
          phase, (Long) r.get("rate_per_s"), (Long) m.get("p50_ms"), (Long) m.get("p99_ms"), (Long) m.get("p999_ms"),
          (Long) m.get("readable_p50_ms"), (Long) m.get("readable_p99_ms"), (Long) m.get("readable_p999_ms"));
      double busy = (Double) m.get("process_cores_busy");
      int cores = Runtime.getRuntime().availableProcessors();
      out.printf(Locale.ROOT, "  %-9s this process kept %.2f of the machine's %d cores busy%s%n", "", busy, cores,
          busy > 0.75 * cores ? ": nearly full, so scores wait for a core and the tail shows it" : "");
      out.printf(Locale.ROOT, "  %-9s stream thread, longest: poll %s ms, commit %s ms, punctuation %s ms, record %s ms%n", "",
          ((Map<String, Object>) m.get("stream_thread")).get("poll_latency_max_ms"),
          ((Map<String, Object>) m.get("stream_thread")).get("commit_latency_max_ms"),
          ((Map<String, Object>) m.get("stream_thread")).get("punctuate_latency_max_ms"),
          ((Map<String, Object>) m.get("stream_thread")).get("process_latency_max_ms"));
    }
    Map<String, Object> sw = (Map<String, Object>) r.get("swapping");
    out.printf(Locale.ROOT, "  swaps                 %d versions applied, %,d rows changed each (%.2f%% of the model); p99 ratio %.2f%n",
        (Long) sw.get("versions_applied"), (Long) sw.get("rows_changed_per_version"),
        100 * (Double) sw.get("share_of_rows_changed"), (Double) r.get("p99_ratio_swapping_to_steady"));
  }
}

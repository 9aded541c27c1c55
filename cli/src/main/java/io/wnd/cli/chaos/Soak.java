package io.wnd.cli.chaos;

import io.wnd.cli.ClientOptions;
import io.wnd.schemas.topics.Topics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * The soak: traffic at a steady rate through broker, scorers and trainer (publishing every few seconds) for a long
 * time, sampling every app's memory (heap used at its lowest between samples; once a minute the live set, what
 * the heap holds after a full GC; the resident set, which includes RocksDB's native memory), the scorer's RocksDB
 * memory (its metrics), the consumer lag of the scorer and trainer groups, and the error lines in every log. A
 * live-set, resident-set, RocksDB or lag curve whose slope over the second half exceeds the threshold is flagged.
 */
public final class Soak {
  /**
   * What to do.
   *
   * @param duration how long
   * @param rate events per second (if not positive: 80% of a rate measured first)
   * @param sampleEvery sampling interval
   * @param growthThresholdMbPerMin slopes above this are flagged
   * @param seed traffic seed
   * @param maxCardinality the most values of a generated categorical field ({@code Integer.MAX_VALUE}: the Kaggle
   *     cardinalities, whose long tails make the model grow with every new id)
   */
  public record Plan(Duration duration, double rate, Duration sampleEvery, double growthThresholdMbPerMin, long seed,
      int maxCardinality) {}

  /**
   * The outcome.
   *
   * @param rate the rate used
   * @param measuredRate the scoring rate measured before (0: not measured)
   * @param samples the curve: one map per sample
   * @param slopes MB/min (lag: records/min) over the second half, by series
   * @param flagged series whose slope exceeds the threshold
   * @param errors ERROR lines in the apps' logs (not those of retried appends)
   * @param retriedAppends appends the broker refused and logged at ERROR and the producer retried (see
   *     {@code errors()})
   * @param errorLines the first distinct ERROR lines ({@code log: line}), so a failed soak says what went wrong
   * @param unexpectedExits apps that exited during the soak
   * @param maxLag the largest scorer lag seen (records)
   * @param versions versions published during the soak
   */
  public record Result(double rate, double measuredRate, List<Map<String, Object>> samples, Map<String, Double> slopes,
      List<String> flagged, long errors, long retriedAppends, List<String> errorLines, int unexpectedExits, long maxLag, long versions) {}

  private final Plan plan;
  private final Pipeline pipeline;
  private final Path dir;
  private final PrintWriter out;
  private final Map<Long, Heap> heaps = new ConcurrentHashMap<>();
  private final List<Process> jstats = new ArrayList<>();

  /** Heap figures of one JVM, from {@code jstat -gc PID 1000}. */
  private static final class Heap {
    volatile double minUsedMb = Double.NaN;
    volatile double lastUsedMb = Double.NaN;
    volatile double oldUsedMb = Double.NaN;

    synchronized double takeMin() {
      double m = Double.isNaN(minUsedMb) ? lastUsedMb : minUsedMb;
      minUsedMb = Double.NaN;
      return m;
    }

    synchronized void add(double used, double old) {
      lastUsedMb = used;
      oldUsedMb = old;
      minUsedMb = Double.isNaN(minUsedMb) ? used : Math.min(minUsedMb, used);
    }
  }

  /**
   * @param plan what to do
   * @param pipeline the apps (started by {@link #run})
   * @param dir work directory
   * @param out where the curve's rows go as they are sampled
   */
  public Soak(Plan plan, Pipeline pipeline, Path dir, PrintWriter out) {
    this.plan = plan;
    this.pipeline = pipeline;
    this.dir = dir;
    this.out = out;
  }

  /** @return the outcome */
  public Result run() throws Exception {
    pipeline.start();
    Map<String, Object> client = ClientOptions.localClient(pipeline.bootstrap());
    Topics topics = new Topics(Topics.DEFAULT_PREFIX, Topics.DEFAULT_PARTITIONS);
    try (Admin admin = Admin.create(client)) {
      double measured = 0;
      double rate = plan.rate();
      if (rate <= 0) {
        measured = measureScoringRate(admin, topics);
        rate = Math.max(1, Math.round(0.8 * measured));
        out.printf(Locale.ROOT, "measured scoring rate %,.0f impressions/s; soaking at 80%%: %,.0f/s%n", measured, rate);
        out.flush();
      }
      for (WndProcess p : pipeline.processes()) {
        watchHeap(p.pid());
      }
      long seconds = Math.max(1, plan.duration().toSeconds());
      WndProcess generate = WndProcess.start("generate", dir.resolve("logs").resolve("generate.log"), Map.of(),
          List.of("-Xmx512m"), List.of("generate", "-b", pipeline.bootstrap(), "--rate", Double.toString(rate), "--duration",
              seconds + "s", "--seed", Long.toString(plan.seed() + 7), "--click-delay", "exp:2s:10s",
            "--max-cardinality", Integer.toString(plan.maxCardinality()), "--json"));
      List<Map<String, Object>> samples = new ArrayList<>();
      long t0 = System.nanoTime();
      long lastScores = endOffsets(admin, topics.name(Topics.SCORES));
      long lastT = t0;
      long versions0 = versions();
      int exits = 0;
      long maxLag = 0;
      int sampleCount = 0;
      int liveEvery = (int) Math.max(1, Math.round(60_000.0 / plan.sampleEvery().toMillis()));
      out.println(String.format(Locale.ROOT, "%6s %9s %9s %9s %9s %9s %9s %10s %9s %9s %8s %6s", "t(s)", "scored/s",
          "sc.heapMB", "sc.oldMB", "sc.rssMB", "rocksMB", "tr.heapMB", "tr.rssMB", "sc.lag", "tr.lag", "versions", "errors"));
      while (generate.alive()) {
        Thread.sleep(plan.sampleEvery().toMillis());
        for (WndProcess p : pipeline.processes()) {
          if (!p.alive()) {
            exits++;
          }
        }
        long now = System.nanoTime();
        long scores = endOffsets(admin, topics.name(Topics.SCORES));
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("t", Math.round((now - t0) / 1e9));
        s.put("scored_per_second", Math.round((scores - lastScores) / ((now - lastT) / 1e9)));
        lastScores = scores;
        lastT = now;
        WndProcess scorer = pipeline.scorer(0);
        Heap sh = heaps.getOrDefault(scorer.pid(), new Heap());
        Heap th = heaps.getOrDefault(pipeline.trainer().pid(), new Heap());
        Heap bh = heaps.getOrDefault(pipeline.broker().pid(), new Heap());
        s.put("scorer_heap_mb", round(sh.takeMin()));
        s.put("scorer_old_mb", round(sh.oldUsedMb));
        s.put("scorer_rss_mb", round(rssMb(scorer.pid())));
        Map<String, Double> prom = prometheus(pipeline.metrics(0));
        s.put("scorer_model_rocksdb_mb", round(prom.getOrDefault("wnd_scorer_model_store_rocksdb_bytes", Double.NaN) / 1e6));
        s.put("scorer_streams_rocksdb_mb", round(prom.getOrDefault("wnd_scorer_streams_rocksdb_bytes", Double.NaN) / 1e6));
        s.put("trainer_heap_mb", round(th.takeMin()));
        s.put("trainer_old_mb", round(th.oldUsedMb));
        s.put("trainer_rss_mb", round(rssMb(pipeline.trainer().pid())));
        s.put("broker_heap_mb", round(bh.takeMin()));
        s.put("broker_rss_mb", round(rssMb(pipeline.broker().pid())));
        if (++sampleCount % liveEvery == 0) {
          // what the heap holds after a full collection: the curve that shows a leak (the others move with the
          // collector's rhythm)
          s.put("scorer_live_mb", round(liveSetMb(scorer.pid(), sh)));
          s.put("trainer_live_mb", round(liveSetMb(pipeline.trainer().pid(), th)));
          s.put("broker_live_mb", round(liveSetMb(pipeline.broker().pid(), bh)));
        }
        long scorerLag = lag(admin, pipeline.applicationId(), List.of(topics.name(Topics.IMPRESSIONS),
            topics.name(Topics.CLICKS)));
        long trainerLag = lag(admin, "wnd-trainer-criteo", List.of(topics.name(Topics.EXAMPLES)));
        maxLag = Math.max(maxLag, scorerLag);
        s.put("scorer_lag", scorerLag);
        s.put("trainer_lag", trainerLag);
        s.put("versions", versions() - versions0);
        s.put("errors", errors());
        samples.add(s);
        double rocks = (Double) s.get("scorer_model_rocksdb_mb") + (Double) s.get("scorer_streams_rocksdb_mb");
        out.println(String.format(Locale.ROOT, "%6d %9d %9.1f %9.1f %9.1f %9.1f %9.1f %10.1f %9d %9d %8d %6d", s.get("t"),
            s.get("scored_per_second"), s.get("scorer_heap_mb"), s.get("scorer_old_mb"), s.get("scorer_rss_mb"), rocks,
            s.get("trainer_heap_mb"), s.get("trainer_rss_mb"), scorerLag, trainerLag, s.get("versions"), s.get("errors")));
        out.flush();
      }
      int code = generate.await(Duration.ofSeconds(30));
      if (code != 0) {
        exits++;
      }
      Map<String, Double> slopes = new LinkedHashMap<>();
      List<String> flagged = new ArrayList<>();
      for (String series : List.of("scorer_live_mb", "scorer_heap_mb", "scorer_rss_mb", "scorer_model_rocksdb_mb",
          "scorer_streams_rocksdb_mb", "trainer_live_mb", "trainer_heap_mb", "trainer_rss_mb", "broker_live_mb",
          "broker_heap_mb", "scorer_lag", "trainer_lag")) {
        double slope = slopePerMinute(samples, series);
        slopes.put(series, Double.isNaN(slope) ? null : Math.round(slope * 100) / 100.0);
        boolean lag = series.endsWith("_lag");
        double limit = lag ? rate * 5 : plan.growthThresholdMbPerMin();
        // the heap's lowest point between samples is reported, not judged: it rises and falls with the collector
        // (old regions are collected only when the heap is nearly full); the live set after a full GC is judged
        boolean judged = !series.endsWith("_heap_mb");
        if (judged && !Double.isNaN(slope) && slope > limit) {
          flagged.add(series);
        }
      }
      long errors = errors();
      return new Result(rate, measured, samples, slopes, flagged, errors, retriedAppends, List.copyOf(errorLines), exits,
          maxLag, versions() - versions0);
    } finally {
      for (Process j : jstats) {
        j.destroy();
      }
    }
  }

  private double measureScoringRate(Admin admin, Topics topics) throws Exception {
    int n = 30_000;
    long before = endOffsets(admin, topics.name(Topics.SCORES));
    WndProcess g = WndProcess.start("calibrate", dir.resolve("logs").resolve("calibrate.log"), Map.of(), List.of("-Xmx512m"),
        List.of("generate", "-b", pipeline.bootstrap(), "--rate", "0", "--count", Integer.toString(n), "--event-rate", "1000",
            "--seed", Long.toString(plan.seed() + 3), "--click-delay", "exp:2s:10s",
            "--max-cardinality", Integer.toString(plan.maxCardinality()), "--json"));
    long first = -1;
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    long scored = 0;
    while (System.nanoTime() < deadline) {
      scored = endOffsets(admin, topics.name(Topics.SCORES)) - before;
      if (scored > 1_000 && first < 0) {
        first = System.nanoTime();
        before += scored;
        scored = 0;
      }
      if (first > 0 && scored >= n - 2_000) {
        break;
      }
      Thread.sleep(250);
    }
    g.await(Duration.ofSeconds(30));
    // offsets count transaction markers too: a few per commit, small next to the records
    return first < 0 ? 0 : scored / ((System.nanoTime() - first) / 1e9);
  }

  private long versions() {
    return pipeline.trainer().jsonLines().stream().filter(j -> j.has("version") && j.has("examples_seen")).count();
  }

  private final java.util.Set<String> errorLines = new java.util.LinkedHashSet<>();

  private long retriedAppends;

  /**
   * Counts the ERROR lines of every log, except the broker's rejections of a transactional producer's append that
   * the producer retries (counted in {@link #retriedAppends}): with transactions v2 (KIP-890) the producer's epoch
   * moves on at every commit, and a batch that reaches a partition before that transaction's first batch is refused
   * with a retriable OutOfOrderSequenceException ("Expected sequence 0 for transactions v2", KAFKA-18202), which
   * the broker's ReplicaManager logs at ERROR although nothing failed. The producer's later batches to that partition,
   * already in flight, are then refused too, with the other texts of the same exception ("Out of order sequence
   * number ... (current end sequence number)" or "(earliest seen sequence)": a CI soak logged one), and are retried
   * the same way (were one not retried, the transaction would abort and its records be processed again: nothing lost).
   */
  /**
   * Whether a log's ERROR line is the broker's refusal of an append with an OutOfOrderSequenceException (its next
   * line), which the producer retries: see {@link #errors}.
   */
  static boolean retriedAppend(String errorLine, String nextLine) {
    return errorLine.contains("Error processing append operation")
        && nextLine.startsWith("org.apache.kafka.common.errors.OutOfOrderSequenceException: ");
  }

  private long errors() throws IOException {
    long n = 0;
    long retried = 0;
    Path logs = dir.resolve("logs");
    try (var files = Files.list(logs)) {
      for (Path f : files.toList()) {
        List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
          String l = lines.get(i);
          if (l.length() > 13 && l.startsWith(" ERROR", 12)) {
            String next = i + 1 < lines.size() ? lines.get(i + 1) : "";
            if (retriedAppend(l, next)) {
              retried++;
              continue;
            }
            n++;
            if (errorLines.size() < 5) {
              errorLines.add(f.getFileName() + ": " + l.substring(Math.min(l.length(), 18), Math.min(l.length(), 400)));
            }
          }
        }
      }
    }
    retriedAppends = retried;
    return n;
  }

  /**
   * Runs a full GC in a JVM ({@code jcmd PID GC.run}) and returns its old generation's use a jstat tick later: after
   * a full collection of G1 everything live is in the old generation and new objects go to eden, so this is the
   * live set (NaN without jcmd or jstat).
   */
  private double liveSetMb(long pid, Heap heap) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    if (!Files.isExecutable(jcmd)) {
      return Double.NaN;
    }
    Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run").redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return Double.NaN;
    }
    Thread.sleep(1_500);
    return heap.oldUsedMb;
  }

  private void watchHeap(long pid) throws IOException {
    Path jstat = Path.of(System.getProperty("java.home"), "bin", "jstat");
    if (!Files.isExecutable(jstat)) {
      return; // a JRE without jstat: the curve has the resident sets only
    }
    Process p = new ProcessBuilder(jstat.toString(), "-gc", Long.toString(pid), "1000").redirectErrorStream(true).start();
    jstats.add(p);
    Heap h = new Heap();
    heaps.put(pid, h);
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        String[] header = null;
        while ((line = r.readLine()) != null) {
          String[] f = line.trim().split("\\s+");
          if (f.length > 0 && f[0].equals("S0C")) {
            header = f;
            continue;
          }
          if (header == null || f.length != header.length) {
            continue;
          }
          Map<String, Double> m = new HashMap<>();
          for (int i = 0; i < f.length; i++) {
            try {
              m.put(header[i], Double.parseDouble(f[i]));
            } catch (NumberFormatException e) {
              m.put(header[i], Double.NaN);
            }
          }
          double used = m.getOrDefault("S0U", 0.0) + m.getOrDefault("S1U", 0.0) + m.getOrDefault("EU", 0.0)
              + m.getOrDefault("OU", 0.0);
          h.add(used / 1024, m.getOrDefault("OU", Double.NaN) / 1024);
        }
      } catch (IOException e) {
        // jstat ended
      }
    }, "jstat-" + pid);
    t.setDaemon(true);
    t.start();
  }

  private static double rssMb(long pid) {
    try {
      for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (l.startsWith("VmRSS:")) {
          return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return Double.NaN;
    }
    return Double.NaN;
  }

  /** Sums the samples of each metric name (all tags) in Prometheus text. */
  static Map<String, Double> prometheus(String text) {
    Map<String, Double> m = new HashMap<>();
    for (String l : text.split("\n")) {
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      int sp = l.lastIndexOf(' ');
      int brace = l.indexOf('{');
      String name = l.substring(0, brace > 0 && brace < sp ? brace : sp);
      try {
        m.merge(name, Double.parseDouble(l.substring(sp + 1)), Double::sum);
      } catch (NumberFormatException e) {
        // NaN or a malformed line: skip
      }
    }
    return m;
  }

  private static long endOffsets(Admin admin, String topic) throws Exception {
    Map<TopicPartition, OffsetSpec> q = new HashMap<>();
    int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
        .partitions().size();
    for (int p = 0; p < partitions; p++) {
      q.put(new TopicPartition(topic, p), OffsetSpec.latest());
    }
    return admin.listOffsets(q, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(30, TimeUnit.SECONDS)
        .values().stream().mapToLong(i -> i.offset()).sum();
  }

  private static long lag(Admin admin, String group, List<String> topics) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed;
    try {
      committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return -1;
    }
    long lag = 0;
    for (String t : topics) {
      int partitions = admin.describeTopics(List.of(t)).allTopicNames().get(30, TimeUnit.SECONDS).get(t).partitions().size();
      Map<TopicPartition, OffsetSpec> q = new HashMap<>();
      for (int p = 0; p < partitions; p++) {
        q.put(new TopicPartition(t, p), OffsetSpec.latest());
      }
      var ends = admin.listOffsets(q, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(30, TimeUnit.SECONDS);
      for (var e : ends.entrySet()) {
        OffsetAndMetadata c = committed.get(e.getKey());
        lag += Math.max(0, e.getValue().offset() - (c == null ? 0 : c.offset()));
      }
    }
    return lag;
  }

  private static double round(double v) {
    return Double.isNaN(v) ? Double.NaN : Math.round(v * 10) / 10.0;
  }

  /** Least-squares slope per minute over the second half of the samples. */
  static double slopePerMinute(List<Map<String, Object>> samples, String series) {
    List<double[]> pts = new ArrayList<>();
    for (int i = samples.size() / 2; i < samples.size(); i++) {
      Object t = samples.get(i).get("t");
      Object v = samples.get(i).get(series);
      if (t instanceof Number tn && v instanceof Number vn && !Double.isNaN(vn.doubleValue())) {
        pts.add(new double[] {tn.doubleValue() / 60, vn.doubleValue()});
      }
    }
    if (pts.size() < 3) {
      return Double.NaN;
    }
    double mx = pts.stream().mapToDouble(p -> p[0]).average().orElse(0);
    double my = pts.stream().mapToDouble(p -> p[1]).average().orElse(0);
    double sxy = 0;
    double sxx = 0;
    for (double[] p : pts) {
      sxy += (p[0] - mx) * (p[1] - my);
      sxx += (p[0] - mx) * (p[0] - mx);
    }
    return sxx == 0 ? Double.NaN : sxy / sxx;
  }
}

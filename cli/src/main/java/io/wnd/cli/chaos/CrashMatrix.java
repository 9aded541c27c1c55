package io.wnd.cli.chaos;

import io.wnd.cli.ClientOptions;
import io.wnd.ingest.Row;
import io.wnd.ingest.generate.CriteoGenerator;
import io.wnd.ingest.read.CriteoTsvWriter;
import io.wnd.schemas.topics.Topics;
import io.wnd.state.version.VersionInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The crash matrix: rounds of generated traffic replayed through the pipeline while the scorer, the trainer and the
 * broker are SIGKILLed at seeded random moments and restarted (the broker on the same data directory); after each
 * round the {@link Audit} checks, from the topics alone, that nothing was lost or duplicated, and every scorer
 * serves the latest version.
 */
public final class CrashMatrix {
  /** The faults, by name. */
  public static final List<String> FAULTS = List.of("scorer", "trainer", "broker", "publish");

  /**
   * What to do.
   *
   * @param rounds rounds
   * @param events generated events (impressions) per round
   * @param faults fault kinds injected once per round each, in a random order
   * @param seed the seed of the traffic and of the fault moments
   * @param rate wall-clock replay rate, events per second
   * @param roundTimeout the longest wait for a round's invariants
   */
  public record Plan(int rounds, int events, List<String> faults, long seed, double rate, Duration roundTimeout) {}

  /**
   * One round's outcome.
   *
   * @param round its number (1-based)
   * @param faults the faults injected, with their moment in seconds after the round started
   * @param tally the audit after the round
   * @param versions versions published so far
   * @param served the version every scorer serves (-1: they differ or one did not answer)
   * @param problems broken invariants (empty: the round passed)
   * @param seconds the round's wall time
   */
  public record Round(int round, List<String> faults, Audit.Tally tally, long versions, long served, List<String> problems,
      double seconds) {
    /** @return whether every invariant held */
    public boolean passed() {
      return problems.isEmpty();
    }
  }

  private static final String CLICK_DELAY = "exp:2s:10s"; // capped well inside the attribution window (20 s)
  private static final int TAIL_ROWS = 300;
  private static final double TAIL_EVENT_RATE = 5; // 60 s of event time: past every window and its grace

  private final Plan plan;
  private final Pipeline pipeline;
  private final Path dir;
  private final PrintWriter out;
  private final Random random;
  private final Map<String, Integer> injected = new LinkedHashMap<>();
  private int unexpectedExits;
  private final List<String> exitReasons = new ArrayList<>();
  private boolean publishFaultPending;

  /**
   * @param plan what to do
   * @param pipeline the apps (started by {@link #run})
   * @param dir where generated files and checkpoints go
   * @param out where the per-round lines go
   */
  public CrashMatrix(Plan plan, Pipeline pipeline, Path dir, PrintWriter out) {
    this.plan = plan;
    this.pipeline = pipeline;
    this.dir = dir;
    this.out = out;
    this.random = new Random(plan.seed());
    for (String f : plan.faults()) {
      injected.put(f, 0);
    }
  }

  /** @return faults injected so far, by kind */
  public Map<String, Integer> injected() {
    return injected;
  }

  /** @return apps that exited without being killed (restarted) */
  public int unexpectedExits() {
    return unexpectedExits;
  }

  /** @return per unexpected exit: the app, its exit code and the last line it logged */
  public List<String> exitReasons() {
    return exitReasons;
  }

  private void exitedUnexpectedly(WndProcess app) throws InterruptedException {
    unexpectedExits++;
    List<String> lines = app.logLines();
    String last = "";
    for (int i = lines.size() - 1; i >= 0 && last.isEmpty(); i--) {
      String line = lines.get(i).strip();
      // the CLI's own error is one line, followed by the hint about --verbose
      if (!line.isEmpty() && !line.startsWith("(run with --verbose")) {
        last = line;
      }
    }
    exitReasons.add(app.name() + " exited with code " + app.await(Duration.ZERO) + ": " + last);
  }

  /**
   * Runs every round.
   *
   * @return the rounds, in order
   */
  public List<Round> run() throws Exception {
    pipeline.start();
    List<Round> rounds = new ArrayList<>();
    Topics topics = new Topics(Topics.DEFAULT_PREFIX, Topics.DEFAULT_PARTITIONS);
    // event time: from two hours ago, well inside the topics' retention; each round spans at least a minute of it
    double eventRate = Math.min(1000, plan.events() / 60.0);
    long eventTime = System.currentTimeMillis() - Duration.ofHours(2).toMillis();
    String previousTail = null;
    try (Audit audit = new Audit(ClientOptions.localClient(pipeline.bootstrap()), topics, "criteo")) {
      for (int r = 1; r <= plan.rounds(); r++) {
        long t0 = System.nanoTime();
        String main = "r" + r + ".tsv";
        String tail = "t" + r + ".tsv";
        audit.expect(main, generate(dir.resolve(main), plan.seed() * 1_000 + r, plan.events()));
        audit.expect(tail, generate(dir.resolve(tail), plan.seed() * 1_000 + 500 + r, TAIL_ROWS));
        List<String> faults = new ArrayList<>();
        replayWithFaults(main, eventTime, eventRate, faults, t0);
        if (previousTail != null) {
          audit.closed(previousTail); // this round's traffic moved event time past it
        }
        eventTime += (long) (plan.events() / eventRate * 1000) + 1000;
        finishReplay(startReplay(tail, eventTime, TAIL_EVENT_RATE, 0, false), tail, eventTime, TAIL_EVENT_RATE, 0);
        eventTime += (long) (TAIL_ROWS / TAIL_EVENT_RATE * 1000) + 1000;
        audit.closed(main);
        previousTail = tail;
        Round round = settle(r, audit, faults, t0);
        rounds.add(round);
        out.println(line(round));
        out.flush();
      }
    }
    return rounds;
  }

  private byte[] generate(Path file, long seed, int n) throws IOException {
    byte[] labels = new byte[n];
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8); CriteoGenerator g = new CriteoGenerator(seed, n)) {
      CriteoTsvWriter tsv = new CriteoTsvWriter(w);
      Row row;
      int i = 0;
      while ((row = g.next()) != null) {
        tsv.write(row);
        labels[i++] = (byte) row.label();
      }
    }
    return labels;
  }

  private void replayWithFaults(String file, long startTime, double eventRate, List<String> faults, long t0)
      throws Exception {
    double seconds = plan.events() / plan.rate();
    List<double[]> moments = new ArrayList<>();
    List<String> kinds = new ArrayList<>(plan.faults());
    Collections.shuffle(kinds, random);
    for (int i = 0; i < kinds.size(); i++) {
      moments.add(new double[] {seconds * (0.05 + 0.9 * random.nextDouble()), i});
    }
    moments.sort((a, b) -> Double.compare(a[0], b[0]));
    WndProcess replay = startReplay(file, startTime, eventRate, plan.rate(), false);
    for (double[] m : moments) {
      long wait = (long) (m[0] * 1000) - (System.nanoTime() - t0) / 1_000_000;
      if (wait > 0) {
        Thread.sleep(wait);
      }
      String kind = kinds.get((int) m[1]);
      faults.add(String.format(Locale.ROOT, "%s@%.1fs", kind, (System.nanoTime() - t0) / 1e9));
      inject(kind);
    }
    finishReplay(replay, file, startTime, eventRate, plan.rate());
  }

  private void inject(String kind) throws Exception {
    long pause = 200 + random.nextInt(2_000);
    awaitPublishFault(); // one fault at a time: a trainer armed with it first reaches it
    switch (kind) {
      case "scorer" -> {
        int i = random.nextInt(pipeline.scorerCount());
        pipeline.scorer(i).kill();
        Thread.sleep(pause);
        pipeline.startScorer(i);
      }
      case "trainer" -> {
        pipeline.trainer().kill();
        Thread.sleep(pause);
        pipeline.startTrainer(List.of());
      }
      case "broker" -> {
        pipeline.broker().kill();
        Thread.sleep(pause);
        pipeline.startBroker();
      }
      case "publish" -> {
        // a trainer that halts in the middle of its first version's transaction; supervise() restarts it
        pipeline.trainer().kill();
        publishFaultPending = true;
        pipeline.startTrainer(List.of("-X", "interceptor.classes=" + PublishFault.class.getName(), "-X",
            PublishFault.VERSION_CONFIG + "=1", "-X", PublishFault.AFTER_CONFIG + "=manifest"));
        return; // counted when the trainer has halted (supervise)
      }
      default -> throw new IllegalArgumentException("unknown fault '" + kind + "' (known: " + FAULTS + ")");
    }
    injected.merge(kind, 1, Integer::sum);
  }

  private WndProcess startReplay(String file, long startTime, double eventRate, double rate, boolean resume)
      throws IOException {
    List<String> args = new ArrayList<>(List.of("replay", dir.resolve(file).toString(), "-b", pipeline.bootstrap(),
        "--rate", Double.toString(rate), "--event-rate", Double.toString(eventRate), "--start-time",
        Long.toString(startTime), "--click-delay", CLICK_DELAY, "--seed", Long.toString(plan.seed()), "--checkpoint",
        dir.resolve(file + ".checkpoint").toString(), "--rejects", dir.resolve(file + ".rejects").toString(), "--json"));
    if (resume) {
      args.add("--resume");
    }
    return WndProcess.start("replay", dir.resolve("logs").resolve("replay.log"), Map.of(), List.of("-Xmx512m"), args);
  }

  private void finishReplay(WndProcess replay, String file, long startTime, double eventRate, double rate)
      throws Exception {
    for (int attempt = 1; ; attempt++) {
      int code;
      while ((code = replay.await(Duration.ofSeconds(2))) == -1) {
        supervise();
      }
      if (code == 0) {
        return;
      }
      if (attempt == 3) {
        throw new IllegalStateException("the replay of " + file + " failed 3 times (log: " + replay.log() + ")");
      }
      replay = startReplay(file, startTime, eventRate, rate, true);
    }
  }

  /** Lets a trainer armed with the publish fault reach it (it needs examples to publish) before it is killed. */
  private void awaitPublishFault() throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (publishFaultPending && System.nanoTime() < deadline) {
      supervise();
      Thread.sleep(500);
    }
    publishFaultPending = false;
  }

  /** Restarts an app that exited without being killed; a trainer halted by the publish fault is expected. */
  private void supervise() throws Exception {
    if (!pipeline.broker().alive()) {
      exitedUnexpectedly(pipeline.broker());
      pipeline.startBroker();
    }
    for (int i = 0; i < pipeline.scorerCount(); i++) {
      if (!pipeline.scorer(i).alive()) {
        exitedUnexpectedly(pipeline.scorer(i));
        pipeline.startScorer(i);
      }
    }
    WndProcess t = pipeline.trainer();
    if (!t.alive()) {
      if (t.await(Duration.ZERO) == PublishFault.EXIT_CODE) {
        injected.merge("publish", 1, Integer::sum);
        publishFaultPending = false;
      } else {
        exitedUnexpectedly(t);
      }
      pipeline.startTrainer(List.of());
    }
  }

  private Round settle(int r, Audit audit, List<String> faults, long t0) throws Exception {
    long deadline = System.nanoTime() + plan.roundTimeout().toNanos();
    List<String> waitingFor = new ArrayList<>();
    long served = -1;
    while (true) {
      supervise();
      audit.read();
      Audit.Tally t = audit.tally();
      List<VersionInfo> versions = audit.versions();
      waitingFor.clear();
      if (t.scored() < t.impressions()) {
        waitingFor.add((t.impressions() - t.scored()) + " impressions without a score");
      }
      if (t.examplesLost() > 0) {
        waitingFor.add(t.examplesLost() + " closed impressions without an example");
      }
      if (!audit.trainedEverything(versions)) {
        waitingFor.add("the trainer to train the last examples");
      }
      long latest = versions.isEmpty() ? 0 : versions.get(versions.size() - 1).version();
      served = latest;
      for (int i = 0; i < pipeline.scorerCount(); i++) {
        long v = pipeline.servedVersion(i);
        if (v != latest) {
          waitingFor.add("scorer-" + i + " to serve v" + latest + " (it serves " + (v < 0 ? "nothing" : "v" + v) + ")");
          served = -1;
        }
      }
      if (waitingFor.isEmpty() || System.nanoTime() > deadline) {
        List<String> problems = new ArrayList<>();
        if (!waitingFor.isEmpty()) {
          problems.add("after " + plan.roundTimeout().toSeconds() + " s still waiting for: " + String.join("; ", waitingFor));
        }
        if (t.impressionRecords() != t.impressions()) {
          problems.add(t.impressionRecords() + " impression records for " + t.impressions() + " rows replayed");
        }
        if (t.scoresDuplicated() > 0) {
          problems.add(t.scoresDuplicated() + " impressions scored more than once");
        }
        if (t.examplesDuplicated() > 0) {
          problems.add(t.examplesDuplicated() + " impressions with more than one example");
        }
        if (t.wrongLabels() > 0) {
          problems.add(t.wrongLabels() + " examples whose label is not the clicks sent");
        }
        if (t.unknown() > 0) {
          problems.add(t.unknown() + " records with unknown impression ids");
        }
        problems.addAll(audit.checkManifests(versions));
        return new Round(r, faults, t, versions.size(), served, problems, (System.nanoTime() - t0) / 1e9);
      }
      Thread.sleep(2_000);
    }
  }

  /**
   * @param r a round
   * @return its one-line report
   */
  public static String line(Round r) {
    Audit.Tally t = r.tally();
    return String.format(Locale.ROOT, "round %2d  %-42s impressions %,9d  scores %,9d  examples %,9d  lost %d  "
        + "duplicated %d  versions %3d  served v%d  %5.1f s  %s", r.round(), String.join(" ", r.faults()),
        t.impressions(), t.scored(), t.labelled(), t.lost(), t.duplicated(), r.versions(), r.served(), r.seconds(),
        r.passed() ? "ok" : "FAILED: " + String.join("; ", r.problems()));
  }
}

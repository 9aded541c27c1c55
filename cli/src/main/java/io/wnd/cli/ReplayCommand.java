package io.wnd.cli;

import io.wnd.ingest.read.Format;
import io.wnd.ingest.read.RejectsFile;
import io.wnd.ingest.replay.Checkpoint;
import io.wnd.ingest.replay.ClickDelay;
import io.wnd.ingest.replay.ReplayOptions;
import io.wnd.ingest.replay.ReplaySummary;
import io.wnd.ingest.replay.Replayer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code wnd replay}: historical logs into the impressions and clicks topics. */
@Command(name = "replay", mixinStandardHelpOptions = true, usageHelpWidth = 110,
    header = "Replay log files (Criteo TSV, CSV, census, JSON) into the impressions and clicks topics.",
    description = {"Replay log files into Kafka: every row becomes an Impression with a stable id (<file name>:<line>)",
        "and an event time (start time + row / event rate); every positive row also becomes a Click a random",
        "delay later in event time. Records are keyed by impression id and timestamped with their event time.",
        "Bad lines are counted, the first few shown, all written to the rejects file; the replay goes on.",
        "Ctrl-C flushes, checkpoints and stops; --resume continues after the last acknowledged row (after a kill -9",
        "or a broker error too: what was produced after the last checkpoint is found on the topics, not sent again).",
        ""})
final class ReplayCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  KafkaOptions kafka;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "Input files, plain or .gz, replayed in order.")
  List<Path> files;

  @Option(names = "--format", paramLabel = "FORMAT",
      description = "criteo (TSV), seed-csv, adult or json; detected from the first line when omitted.")
  String format;

  @Option(names = "--rate", paramLabel = "N", defaultValue = "0",
      description = "Wall-clock rows per second; 0 = as fast as possible (default).")
  double rate;

  @Option(names = "--speedup", paramLabel = "X",
      description = "Replay X times faster than event time (sets --rate to X * --event-rate).")
  Double speedup;

  @Option(names = "--event-rate", paramLabel = "N",
      description = "Rows per second of event time (default: --rate when it is > 0, else 500, about a Criteo day).")
  Double eventRate;

  @Option(names = "--start-time", paramLabel = "T",
      description = "Event time of the first row: ISO-8601 (2026-11-28T00:00:00Z) or epoch ms "
          + "(default: 24 h ago, so a day replayed at its natural rate ends now; with --resume, the checkpoint's). "
          + "It must lie inside the topics' retention (records are timestamped with their event time): "
          + "the replay refuses a start the brokers would delete within minutes.")
  String startTime;

  @Option(names = "--skip", paramLabel = "N", defaultValue = "0", description = "Skip the first N rows.")
  long skip;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "-1", description = "Replay at most N rows.")
  long limit;

  @Option(names = "--click-delay", paramLabel = "DIST", defaultValue = ClickDelay.DEFAULT,
      description = "Click delay: exp:MEAN[:CAP], uniform:MIN:MAX or fixed:D (default: ${DEFAULT-VALUE}).")
  String clickDelay;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Seed of the click delays (default: 1).")
  long seed;

  @Option(names = "--rejects", paramLabel = "FILE", defaultValue = "replay-rejects.tsv",
      description = "Where rejected lines go, with line numbers and reasons (default: ${DEFAULT-VALUE}).")
  Path rejects;

  @Option(names = "--checkpoint", paramLabel = "FILE", defaultValue = ".wnd/replay.checkpoint",
      description = "Checkpoint written after every flush (default: ${DEFAULT-VALUE}).")
  Path checkpoint;

  @Option(names = "--resume", description = "Continue after the last acknowledged row of the checkpoint.")
  boolean resume;

  @Option(names = "--json", description = "Print one JSON summary (rows, impressions, clicks, rejected, seconds, "
      + "rows_per_second, completed).")
  boolean json;

  private final long started = System.currentTimeMillis();

  @Override
  public Integer call() throws Exception {
    ReplayOptions options = options();
    Format fixed = format == null ? null : parseFormat();
    PrintWriter err = spec.commandLine().getErr();
    try (RejectsFile rej = new RejectsFile(rejects, 5, msg -> err.println("rejected " + msg))) {
      Replayer replayer = new Replayer(kafka.clientConfig(), kafka.topics(), options);
      List<Replayer.Source> sources = Sources.files(files, fixed, replayer.rejectsAfterStart(rej));
      Cli.requireTopics(kafka);
      ReplaySummary summary;
      try {
        summary = Cli.runStoppable(replayer::stop,
            () -> replayer.run(sources, rej::count, Cli.progress(err, !json)), s -> report(s, rej));
      } catch (org.apache.kafka.common.KafkaException e) {
        throw failed(e);
      }
      return summary.completed() ? 0 : 130;
    }
  }

  private ReplayOptions options() {
    try {
      double evRate = ReplayOptions.eventRate(eventRate, rate);
      double wallRate = rate;
      if (speedup != null) {
        if (rate != 0) {
          throw new IllegalArgumentException("--rate and --speedup both set the wall-clock pace: give one (--speedup X "
              + "replays at X times --event-rate)");
        }
        if (!(speedup > 0)) {
          throw new IllegalArgumentException("--speedup must be > 0, got " + speedup);
        }
        wallRate = evRate * speedup;
      }
      return new ReplayOptions(wallRate, evRate, startMillis(), skip, limit, -1, ClickDelay.parse(clickDelay), seed,
          checkpoint, resume);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }

  private Format parseFormat() {
    return Cli.format(spec, format);
  }

  private long startMillis() {
    if (startTime == null && resume && Files.exists(checkpoint)) {
      try {
        return Checkpoint.read(checkpoint).startTimeMillis(); // the default start of the run being resumed
      } catch (IOException e) {
        throw new UncheckedIOException(e.getMessage(), e);
      }
    }
    if (startTime == null) {
      return System.currentTimeMillis() - Duration.ofHours(24).toMillis();
    }
    try {
      return Long.parseLong(startTime);
    } catch (NumberFormatException notMillis) {
      try {
        return Instant.parse(startTime).toEpochMilli();
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("--start-time '" + startTime + "': use ISO-8601 (2026-11-28T00:00:00Z) or epoch ms");
      }
    }
  }

  /**
   * A replay that failed on the cluster (the broker down for longer than the producer's delivery timeout): where its
   * checkpoint is, so that a resume goes on from there (and, with --json, that as the last line).
   */
  private Exception failed(org.apache.kafka.common.KafkaException e) {
    String where;
    long nextRow = -1;
    try {
      // only a checkpoint this run wrote (or resumed from) says where it is
      if (Files.exists(checkpoint) && (resume || Files.getLastModifiedTime(checkpoint).toMillis() >= started)) {
        nextRow = Checkpoint.read(checkpoint).nextRow();
      }
    } catch (java.io.IOException unreadable) {
      // say nothing of it
    }
    where = nextRow >= 0 ? String.format(java.util.Locale.ROOT, "; the checkpoint %s is at row %,d: run the same "
        + "command with --resume once the cluster answers (nothing is sent twice)", checkpoint, nextRow) : "";
    if (json) {
      Map<String, Object> m = new java.util.LinkedHashMap<>();
      m.put("completed", false);
      m.put("error", Wnd.oneLine(e));
      m.put("next_row", nextRow);
      Json.print(spec.commandLine().getOut(), m);
    }
    return new IllegalStateException(Wnd.oneLine(e) + where, e);
  }

  private void report(ReplaySummary s, RejectsFile rej) {
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> m = Cli.summary(s);
      if (s.rejected() > 0) {
        m.put("rejects_file", rej.file().toString());
      }
      Json.print(out, m);
    } else {
      out.printf("replayed %,d rows in %.1f s (%,.0f rows/s): %,d impressions, %,d clicks, %,d rejected%s%n", s.rows(),
          s.seconds(), s.rowsPerSecond(), s.impressions(), s.clicks(), s.rejected(),
          s.rejected() > 0 ? " (see " + rej.file() + ")" : "");
      if (!s.completed()) {
        out.printf("stopped early after row %,d; continue with --resume%n", s.nextRow());
      }
      out.flush();
    }
  }
}

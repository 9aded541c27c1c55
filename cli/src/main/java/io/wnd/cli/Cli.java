package io.wnd.cli;

import io.wnd.ingest.replay.Replayer;
import io.wnd.schemas.topics.TopicAdmin;
import io.wnd.schemas.topics.Topics;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.KafkaException;

/** Small pieces the commands share. */
final class Cli {
  private Cli() {}

  /**
   * Fails with one clear line when the cluster is unreachable or the topics a command uses are missing.
   */
  static void requireTopics(KafkaOptions kafka) {
    try (Admin admin = Admin.create(kafka.clientConfig())) {
      Cluster.requireReachable(admin, kafka.bootstrapServers);
      List<TopicAdmin.Status> statuses = new TopicAdmin(admin, kafka.topics(), (short) -1).describe();
      List<String> missing = statuses.stream().filter(s -> s.problems().contains("does not exist"))
          .map(TopicAdmin.Status::name).toList();
      if (!missing.isEmpty()) {
        throw new KafkaException("topics " + missing + " do not exist on " + kafka.bootstrapServers
            + " (create them: ./wnd topics create -b " + kafka.bootstrapServers
            + (kafka.prefix.equals(Topics.DEFAULT_PREFIX) ? "" : " --topic-prefix " + kafka.prefix) + ")");
      }
    }
  }

  /**
   * A duration option: {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h} or plain milliseconds.
   *
   * @param spec the command (for the usage error)
   * @param option the option's name, in the message
   * @param text the value
   * @return milliseconds
   * @throws picocli.CommandLine.ParameterException (exit 2) naming the option and the value
   */
  static long millis(picocli.CommandLine.Model.CommandSpec spec, String option, String text) {
    try {
      return io.wnd.ingest.replay.ClickDelay.millis(text);
    } catch (NumberFormatException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), option + " '" + text + "': use e.g. 30s, 10m, 1h");
    }
  }

  /** What a command prints about its finished work. */
  @FunctionalInterface
  interface Report<T> {
    /**
     * @param result what the work returned
     * @throws Exception if it cannot be written
     */
    void write(T result) throws Exception;
  }

  /**
   * Runs long work so that Ctrl-C / SIGTERM asks it to stop and waits for it to flush and return, and for its
   * report to be printed: the JVM exits as soon as the signal's hook returns, so a summary printed after this method
   * returned would be lost (or half written) whenever the work was stopped by a signal.
   *
   * @param stop asks the work to stop
   * @param work the work
   * @param report prints what it did (its summary, its JSON line)
   * @return its result
   */
  static <T> T runStoppable(Runnable stop, Callable<T> work, Report<T> report) throws Exception {
    return runStoppable(stop, () -> {
      T result = work.call();
      report.write(result);
      return result;
    });
  }

  /**
   * Runs long work so that Ctrl-C / SIGTERM asks it to stop and waits for it to flush and return; whatever the work
   * must print has to be printed inside it (see {@link #runStoppable(Runnable, Callable, Report)}).
   *
   * @param stop asks the work to stop
   * @param work the work
   * @return its result
   */
  static <T> T runStoppable(Runnable stop, Callable<T> work) throws Exception {
    CountDownLatch done = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      stop.run();
      try {
        done.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "wnd-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return work.call();
    } finally {
      done.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the JVM is already exiting (Ctrl-C): the hook is running and has just been released
      }
    }
  }

  /**
   * A {@code --format} value as a format, or null for none (detected from the input).
   *
   * @param spec the command, for a usage error (exit 2) that names the option
   * @param format the option's value, or null
   * @return the format, or null
   */
  static io.wnd.ingest.read.Format format(picocli.CommandLine.Model.CommandSpec spec, String format) {
    if (format == null) {
      return null;
    }
    try {
      return io.wnd.ingest.read.Format.of(format);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--format: " + e.getMessage(), e);
    }
  }

  /**
   * The JSON fields every replay-like command reports.
   *
   * @param s what the replay did
   * @return rows, impressions, clicks, rejected, seconds, rows_per_second, completed, next_row
   */
  static java.util.Map<String, Object> summary(io.wnd.ingest.replay.ReplaySummary s) {
    java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("rows", s.rows());
    m.put("impressions", s.impressions());
    m.put("clicks", s.clicks());
    m.put("rejected", s.rejected());
    m.put("seconds", Math.round(s.seconds() * 1000) / 1000.0);
    m.put("rows_per_second", Math.round(s.rowsPerSecond()));
    m.put("completed", s.completed());
    m.put("next_row", s.nextRow());
    return m;
  }

  /**
   * A progress line on stderr, rewritten in place about once a second, when a person is watching.
   *
   * @param err stderr
   * @param enabled false for --json or when stderr is not a terminal
   */
  static Replayer.Progress progress(PrintWriter err, boolean enabled) {
    boolean terminal = enabled && System.console() != null;
    // not on a terminal (nohup, a CI log): a whole line every 30 s instead of one line redrawn every second
    long[] lastLine = {System.nanoTime()};
    return (rows, impressions, clicks, rejected, seconds, fraction) -> {
      if (!terminal) {
        long now = System.nanoTime();
        if (enabled && now - lastLine[0] >= 30_000_000_000L && !(fraction >= 1)) {
          lastLine[0] = now;
          err.printf(Locale.ROOT, "%,d rows (%,.0f/s), impressions %,d, clicks %,d, rejected %,d%s%n", rows,
              seconds > 0 ? rows / seconds : 0, impressions, clicks, rejected, Double.isNaN(fraction) ? ""
                  : String.format(Locale.ROOT, ", %.0f %% done", 100 * fraction));
          err.flush();
        }
        return;
      }
      double rate = seconds > 0 ? rows / seconds : 0;
      String eta = "";
      if (!Double.isNaN(fraction) && fraction > 0 && fraction < 1) {
        long left = Math.round(seconds * (1 - fraction) / fraction);
        eta = String.format(Locale.ROOT, "  ETA %d:%02d", left / 60, left % 60);
      }
      err.printf(Locale.ROOT, "\r%,d rows (%,.0f/s)  impressions %,d  clicks %,d  rejected %,d%s   ", rows, rate,
          impressions, clicks, rejected, eta);
      if (!Double.isNaN(fraction) && fraction >= 1) {
        err.println();
      }
      err.flush();
    };
  }
}

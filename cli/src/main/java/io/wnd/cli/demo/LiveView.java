package io.wnd.cli.demo;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The demo's live view: on a terminal a block of lines redrawn in place (ANSI cursor movement) every interval;
 * otherwise one short plain line per interval, so a log or a pipe stays readable.
 */
public final class LiveView implements DemoRun.Listener {
  private final PrintWriter out;
  private final boolean ansi;
  private final String data;
  private final String labels;
  private final String model;
  private final double durationSeconds;
  private int drawn;
  private String http = "";

  /**
   * @param out where to draw (stdout)
   * @param ansi redraw in place (stdout is a terminal)
   * @param data what is replayed, for the header (e.g. "generated Criteo-like traffic at 2,000/s")
   * @param labels how labels are made, for the header (window, grace, click delays)
   * @param model the model's name
   * @param durationSeconds the planned length, or a negative number for none
   */
  public LiveView(PrintWriter out, boolean ansi, String data, String labels, String model, double durationSeconds) {
    this.out = out;
    this.ansi = ansi;
    this.data = data;
    this.labels = labels;
    this.model = model;
    this.durationSeconds = durationSeconds;
  }

  @Override
  public synchronized void started(String bootstrapServers, int httpPort, double startupSeconds) {
    if (httpPort > 0) {
      http = "http://127.0.0.1:" + httpPort + "/v1/models/" + model;
    }
    out.printf(Locale.ROOT, "broker %s, scorer and trainer ready in %.1f s%s%n", bootstrapServers, startupSeconds,
        http.isEmpty() ? "" : "; scorer HTTP " + http);
    out.println("data:   " + data);
    out.println("labels: " + labels);
    if (ansi) {
      out.println("Ctrl-C stops the demo and writes the report.");
    }
    out.flush();
  }

  @Override
  public synchronized void sample(Sample s) {
    if (ansi) {
      StringBuilder b = new StringBuilder();
      if (drawn > 0) {
        b.append("\033[").append(drawn).append('F').append("\033[J");
      }
      List<String> lines = block(s);
      lines.forEach(l -> b.append(l).append('\n'));
      drawn = lines.size();
      out.print(b);
    } else {
      out.println(line(s));
    }
    out.flush();
  }

  @Override
  public synchronized void stopping(String why) {
    if (!ansi) {
      out.println("stopping: " + why);
    } else {
      drawn = 0; // keep the last block on screen
      out.println("stopping (" + why + ")...");
    }
    out.flush();
  }

  /** @return the plain line for one interval (kept short: one line of a log) */
  static String line(Sample s) {
    return String.format(Locale.ROOT, "%s imp/s %,.0f scores/s %,.0f p99 %s ex/s %,.0f v%d%s auc %s logloss %s dlq %d",
        clock(s.seconds()), s.impressionsPerSecond(), s.scoresPerSecond(), ms(s.latencyP99Ms()).replace(" ", ""),
        s.trainedPerSecond(), s.versionInService(), Double.isNaN(s.modelAgeSeconds()) ? ""
            : String.format(Locale.ROOT, " (%.0fs old)", s.modelAgeSeconds()),
        fixed(s.trainerAuc(), 3), fixed(s.trainerLogLoss(), 3), s.deadLetters());
  }

  List<String> block(Sample s) {
    List<String> l = new ArrayList<>();
    String bar = durationSeconds > 0 ? String.format(Locale.ROOT, " / %s", clock(durationSeconds)) : "";
    l.add(String.format(Locale.ROOT, "\033[1mwnd demo\033[0m  %s%s", clock(s.seconds()), bar));
    l.add(String.format(Locale.ROOT, "  impressions  %,8.0f /s   total %,12d", s.impressionsPerSecond(), s.impressions()));
    l.add(String.format(Locale.ROOT, "  scores       %,8.0f /s   total %,12d   latency p50 %s  p99 %s  (committed p99 %s)",
        s.scoresPerSecond(), s.scores(), ms(s.latencyP50Ms()), ms(s.latencyP99Ms()), ms(s.visibleP99Ms())));
    l.add(String.format(Locale.ROOT, "  examples     %,8.0f /s   total %,12d   (labelled by the scorer: %,d)",
        s.trainedPerSecond(), s.trained(), s.labelled()));
    l.add(String.format(Locale.ROOT, "  model        v%d in service%s   %d published", s.versionInService(),
        Double.isNaN(s.modelAgeSeconds()) ? " (the prior)" : String.format(Locale.ROOT, ", %.1f s old", s.modelAgeSeconds()),
        s.versionsPublished()));
    l.add(String.format(Locale.ROOT, "  trainer      progressive AUC %s   log loss %s   (latest version)", fixed(s.trainerAuc(), 4),
        fixed(s.trainerLogLoss(), 4)));
    l.add(String.format(Locale.ROOT, "  served       AUC %s   log loss %s   (what the scorer served, for %d s of impressions whose labels are final)",
        fixed(s.servedAuc(), 4), fixed(s.servedLogLoss(), 4), DemoRun.SERVED_WINDOW_S));
    l.add(String.format(Locale.ROOT, "  dead letters %d", s.deadLetters()));
    return l;
  }

  static String clock(double seconds) {
    long s = Math.round(seconds);
    return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }

  static String ms(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.0f ms", v);
  }

  static String fixed(double v, int digits) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + digits + "f", v);
  }
}

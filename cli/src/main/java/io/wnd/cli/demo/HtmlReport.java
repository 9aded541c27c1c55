package io.wnd.cli.demo;

import io.wnd.state.metrics.StreamMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The demo's report: one self-contained HTML file (no script, no external resource) with the summary and inline
 * SVG charts - model quality (the trainer's progressive AUC and log loss per version, and the served
 * predictions' against their labels) with a vertical marker per published version, score latency p50/p99,
 * and throughput - over the run's time.
 */
public final class HtmlReport {
  private static final int W = 820;
  private static final int H = 240;
  private static final int LEFT = 64;
  private static final int RIGHT = 150;
  private static final int TOP = 28;
  private static final int BOTTOM = 34;

  private HtmlReport() {}

  /** A line of a chart. */
  record Series(String name, String color, double[] x, double[] y, boolean dots) {}

  /**
   * Writes the report.
   *
   * @param file where
   * @param title the page's heading
   * @param summary label to value, shown as a table in this order
   * @param r the run
   * @throws IOException if it cannot be written
   */
  public static void write(Path file, String title, Map<String, String> summary, DemoRun.Result r) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(file, html(title, summary, r), StandardCharsets.UTF_8);
  }

  static String html(String title, Map<String, String> summary, DemoRun.Result r) {
    List<Sample> s = r.samples();
    double[] t = s.stream().mapToDouble(Sample::seconds).toArray();
    double[] st = s.stream().mapToDouble(Sample::servedSeconds).toArray();
    double[] vt = r.versions().stream().mapToDouble(VersionPoint::seconds).toArray();
    double xMax = Math.max(1, Math.max(r.seconds(), t.length == 0 ? 0 : t[t.length - 1]));
    List<double[]> markers = new ArrayList<>();
    r.versions().forEach(v -> markers.add(new double[] {v.seconds(), v.version()}));

    StringBuilder b = new StringBuilder();
    b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title))
        .append("</title>\n<style>body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:900px}"
            + "table{border-collapse:collapse}td{padding:2px 12px 2px 0;vertical-align:top}td:first-child{color:#555}"
            + "h2{font-size:1.1em;margin-top:28px}svg{background:#fff;border:1px solid #ddd}"
            + ".note{color:#555;font-size:.9em}</style></head><body>\n");
    b.append("<h1>").append(esc(title)).append("</h1>\n<table>\n");
    summary.forEach((k, v) -> b.append("<tr><td>").append(esc(k)).append("</td><td>").append(esc(v)).append("</td></tr>\n"));
    b.append("</table>\n");

    b.append("<h2>Model quality: AUC</h2>\n");
    b.append(chart("progressive AUC", "AUC", xMax, markers, List.of(
        new Series("trainer (per version)", "#1f77b4", vt, r.versions().stream().mapToDouble(VersionPoint::auc).toArray(), true),
        new Series("served", "#ff7f0e", st, s.stream().mapToDouble(Sample::servedAuc).toArray(), false))));
    b.append("<h2>Model quality: log loss</h2>\n");
    b.append(chart("progressive log loss", "nats", xMax, markers, List.of(
        new Series("trainer (per version)", "#1f77b4", vt, r.versions().stream().mapToDouble(VersionPoint::logLoss).toArray(), true),
        new Series("served", "#ff7f0e", st, s.stream().mapToDouble(Sample::servedLogLoss).toArray(), false))));
    b.append("<p class=\"note\">Trainer: each version's mini-batches scored before they were trained on (progressive "
        + "validation), over the examples since the previous version. Served: the probability the scorer served for "
        + "each impression against the label the click join gave it, over " + DemoRun.SERVED_WINDOW_S + " s of "
        + "impressions, drawn at the time they were served (their labels are final one attribution window + grace "
        + "later). Dashed lines: versions published. Until the first windows close only clicks are labelled, so the "
        + "first versions over-predict; they correct themselves once negatives flow.</p>\n");
    b.append("<h2>Score latency (impression produced &#8594; score produced)</h2>\n");
    b.append(chart("latency per interval", "ms", xMax, markers, List.of(
        new Series("p50", "#2ca02c", t, s.stream().mapToDouble(Sample::latencyP50Ms).toArray(), false),
        new Series("p99", "#d62728", t, s.stream().mapToDouble(Sample::latencyP99Ms).toArray(), false),
        new Series("p99 committed", "#9467bd", t, s.stream().mapToDouble(Sample::visibleP99Ms).toArray(), false))));
    b.append("<p class=\"note\">Committed: until a read_committed consumer can read the score (the scorer is "
        + "exactly-once: scores become visible when its transaction commits).</p>\n");
    b.append("<h2>Throughput</h2>\n");
    b.append(chart("per second", "/s", xMax, markers, List.of(
        new Series("impressions", "#1f77b4", t, s.stream().mapToDouble(Sample::impressionsPerSecond).toArray(), false),
        new Series("scores", "#ff7f0e", t, s.stream().mapToDouble(Sample::scoresPerSecond).toArray(), false),
        new Series("labelled", "#8c564b", t, s.stream().mapToDouble(Sample::labelledPerSecond).toArray(), false),
        new Series("trained", "#2ca02c", t, s.stream().mapToDouble(Sample::trainedPerSecond).toArray(), false))));

    b.append("<h2>Versions</h2>\n<table><tr><td>version</td><td>published at</td><td>examples</td><td>window</td>"
        + "<td>AUC</td><td>log loss</td><td>bytes</td><td>publish ms</td><td>in service at</td><td>served, labelled</td>"
        + "<td>served AUC</td><td>served log loss</td></tr>\n");
    for (VersionPoint v : r.versions()) {
      String appliedAt = r.applied().stream().filter(a -> a[1] == v.version()).findFirst()
          .map(a -> String.format(Locale.ROOT, "%.1f s", a[0])).orElse(r.versionsScoring().contains(v.version()) ? "yes" : "-");
      StreamMetrics.Snapshot sv = r.servedByVersion().get(v.version());
      b.append(String.format(Locale.ROOT, "<tr><td>v%d</td><td>%.1f s</td><td>%,d</td><td>%,d</td><td>%s</td><td>%s</td>"
          + "<td>%,d</td><td>%d</td><td>%s</td><td>%,d</td><td>%s</td><td>%s</td></tr>%n", v.version(), v.seconds(),
          v.examplesSeen(), v.windowExamples(), fmt(v.auc(), 4), fmt(v.logLoss(), 4), v.bytes(), v.publishMs(), appliedAt,
          sv == null ? 0 : sv.count(), sv == null ? "-" : fmt(sv.auc(), 4), sv == null ? "-" : fmt(sv.logLoss(), 4)));
    }
    b.append("</table>\n</body></html>\n");
    return b.toString();
  }

  /** One line chart with a legend and vertical version markers. */
  static String chart(String title, String unit, double xMax, List<double[]> markers, List<Series> series) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      for (double y : s.y()) {
        if (Double.isFinite(y)) {
          lo = Math.min(lo, y);
          hi = Math.max(hi, y);
        }
      }
    }
    if (!Double.isFinite(lo)) {
      lo = 0;
      hi = 1;
    }
    if (hi - lo < 1e-9) {
      hi = lo + Math.max(1e-3, Math.abs(lo) * 0.1);
    }
    double pad = (hi - lo) * 0.08;
    double yLo = lo - pad;
    double yHi = hi + pad;
    if (lo >= 0 && yLo < 0) {
      yLo = 0;
    }
    int pw = W - LEFT - RIGHT;
    int ph = H - TOP - BOTTOM;
    double y0 = yLo;
    double y1 = yHi;
    java.util.function.DoubleUnaryOperator px = x -> LEFT + x / xMax * pw;
    java.util.function.DoubleUnaryOperator py = y -> TOP + (1 - (y - y0) / (y1 - y0)) * ph;
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
        + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">%n", W, H, W, H));
    b.append(String.format(Locale.ROOT, "<title>%s</title>%n", esc(title)));
    for (int i = 0; i <= 4; i++) {
      double y = yLo + (yHi - yLo) * i / 4;
      double yy = py.applyAsDouble(y);
      b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
          + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#555\">%s</text>%n", LEFT, yy, LEFT + pw, yy, LEFT - 6,
          yy + 4, tick(y, yHi - yLo)));
    }
    double step = niceStep(xMax);
    for (double x = 0; x <= xMax + 1e-9; x += step) {
      double xx = px.applyAsDouble(x);
      b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%s</text>%n", xx,
          TOP + ph + 16, LiveView.clock(x)));
    }
    b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">time (m:ss)</text>%n",
        LEFT + pw / 2, H - 4));
    b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#555\">%s</text>%n", 4, 16, esc(title + " (" + unit + ")")));
    for (double[] m : markers) {
      double xx = px.applyAsDouble(m[0]);
      b.append(String.format(Locale.ROOT, "<line class=\"version\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\" "
          + "stroke-dasharray=\"3,3\"/><text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#777\" font-size=\"9\">v%d</text>%n",
          xx, TOP, xx, TOP + ph, xx, TOP - 3, (long) m[1]));
    }
    b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>%n",
        LEFT, TOP, pw, ph));
    int legendY = TOP + 6;
    for (Series s : series) {
      StringBuilder pts = new StringBuilder();
      for (int i = 0; i < s.x().length && i < s.y().length; i++) {
        if (!Double.isFinite(s.y()[i])) {
          flush(b, pts, s.color());
          continue;
        }
        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px.applyAsDouble(s.x()[i]), py.applyAsDouble(s.y()[i])));
        if (s.dots()) {
          b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n",
              px.applyAsDouble(s.x()[i]), py.applyAsDouble(s.y()[i]), s.color()));
        }
      }
      flush(b, pts, s.color());
      b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>"
          + "<text x=\"%d\" y=\"%d\" fill=\"#333\">%s</text>%n", LEFT + pw + 10, legendY, LEFT + pw + 26, legendY, s.color(),
          LEFT + pw + 30, legendY + 4, esc(s.name())));
      legendY += 16;
    }
    b.append("</svg>\n");
    return b.toString();
  }

  private static void flush(StringBuilder b, StringBuilder pts, String color) {
    if (pts.length() > 0) {
      b.append("<polyline fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"1.5\" points=\"")
          .append(pts.toString().strip()).append("\"/>\n");
      pts.setLength(0);
    }
  }

  private static double niceStep(double max) {
    for (double s : new double[] {5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600}) {
      if (max / s <= 8) {
        return s;
      }
    }
    return 7200;
  }

  private static String tick(double v, double range) {
    if (range >= 100) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    if (range >= 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    return String.format(Locale.ROOT, range >= 0.1 ? "%.2f" : "%.3f", v);
  }

  static String fmt(double v, int digits) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + digits + "f", v);
  }

  static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}

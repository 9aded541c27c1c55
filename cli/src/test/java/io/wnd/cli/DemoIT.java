package io.wnd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wnd demo} as a new user runs it: the jar in its own JVM, nothing running before, for 60 s of generated
 * traffic. Its own broker, scorer and trainer must score impressions, train on the labels the scorer's join
 * makes, publish versions and get them applied by the scorer, and write the report.
 */
class DemoIT {

  @Test
  void shouldScoreTrainPublishAndApplyVersionsAndWriteTheReportInSixtySeconds(@TempDir Path dir) throws Exception {
    Path report = dir.resolve("report.html");
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        Path.of("target", "wnd.jar").toAbsolutePath().toString(), "demo", "--duration", "60s", "--json",
        "--report", report.toString(), "--http-port", "-1")
        .directory(dir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("OMP_NUM_THREADS", "1");
    pb.environment().put("OPENBLAS_NUM_THREADS", "1");
    Process p = pb.start();
    boolean ended = p.waitFor(300, TimeUnit.SECONDS);
    if (!ended) {
      p.destroyForcibly();
    }
    String stdout = Files.readString(out);
    assertThat(ended).as("the demo ended; stdout:%n%s%nstderr:%n%s", stdout, Files.readString(err)).isTrue();
    assertThat(p.exitValue()).as("exit code; stderr:%n%s", Files.readString(err)).isZero();

    List<String> lines = stdout.strip().lines().toList();
    JsonNode j = new ObjectMapper().readTree(lines.get(lines.size() - 1));
    long impressions = j.get("impressions").asLong();
    assertThat(impressions).isPositive();
    assertThat(j.get("scores").asLong()).isPositive().isLessThanOrEqualTo(impressions);
    assertThat(j.get("examples").asLong()).as("examples trained").isPositive();
    assertThat(j.get("examples_labelled").asLong()).isPositive().isLessThanOrEqualTo(impressions);
    long published = j.get("versions_published").asLong();
    assertThat(published).isGreaterThanOrEqualTo(2);
    assertThat(j.get("versions_applied_by_scorer").asLong()).isGreaterThanOrEqualTo(2).isLessThanOrEqualTo(published);
    assertThat(j.get("last_version").asLong()).isEqualTo(published); // a fresh broker: versions 1..n are this run's
    assertThat(j.get("auc").asDouble()).isBetween(0.0, 1.0);
    assertThat(j.get("logloss").asDouble()).isPositive();
    JsonNode lat = j.get("latency_ms");
    assertThat(lat.get("p50").asLong()).isLessThanOrEqualTo(lat.get("p99").asLong());
    assertThat(lat.get("p99").asLong()).isLessThanOrEqualTo(lat.get("p999").asLong());
    assertThat(j.get("dead_letters").asLong()).isZero();
    assertThat(j.get("duration_s").asDouble()).isBetween(59.0, 75.0);
    assertThat(Path.of(j.get("report").asText())).isEqualTo(report.toAbsolutePath());
    // not a terminal: one plain line per second
    assertThat(lines.stream().filter(l -> l.matches("\\d+:\\d\\d imp/s .*")).count()).isGreaterThanOrEqualTo(30);
    assertThat(stdout).doesNotContain("\033[");

    String html = Files.readString(report);
    assertThat(html).startsWith("<!DOCTYPE html>").contains("<svg").contains("progressive AUC")
        .contains("Score latency").contains("Throughput").doesNotContain("<script").doesNotContain("http-equiv");
    // one dashed marker per published version in each of the four charts
    assertThat(html.split("class=\"version\"", -1).length - 1).isEqualTo(4 * (int) published);
    assertThat(html).contains(">v" + published + "<");
  }
}

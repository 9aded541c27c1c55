package io.wnd.cli.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wnd.cli.Wnd;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One {@code wnd} app in its own JVM ({@code java -jar wnd.jar ARGS}), as a user runs it: stdout lines are kept
 * (and appended to its log file), stderr goes to the log file. {@link #kill()} is SIGKILL, {@link #stop()} SIGTERM.
 * Used by {@code wnd chaos} and by the integration tests that run the apps in their own JVMs.
 */
public final class WndProcess implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String name;
  private final Process process;
  private final Path log;
  private final List<String> lines = new ArrayList<>();
  private final Thread reader;

  private WndProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.reader = new Thread(this::readStdout, "wnd-child-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * The jar this code runs from ({@code cli/target/wnd.jar}); from a classes directory (tests), the
   * {@code wnd.jar} beside it.
   *
   * @return the jar's path
   * @throws IllegalStateException if it cannot be found (build it: {@code ./wnd --help} or {@code mvn package})
   */
  public static Path jar() {
    Path at;
    try {
      at = Path.of(Wnd.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException | SecurityException e) {
      throw new IllegalStateException("cannot locate the wnd jar: " + e.getMessage(), e);
    }
    Path jar = Files.isRegularFile(at) ? at : at.toAbsolutePath().getParent().resolve("wnd.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("no wnd jar at " + jar + " (build it: mvn -pl cli -am package -DskipTests)");
    }
    return jar;
  }

  /**
   * Starts {@code java [jvmOptions] -jar wnd.jar args}.
   *
   * @param name a short name for logs and thread names
   * @param log the log file (appended to: a restarted app keeps one log)
   * @param env extra environment variables
   * @param jvmOptions JVM options, e.g. {@code -Xmx1g}
   * @param args the wnd arguments
   * @return the running process
   * @throws IOException if it cannot be started
   */
  public static WndProcess start(String name, Path log, Map<String, String> env, List<String> jvmOptions, List<String> args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-jar");
    cmd.add(jar().toString());
    cmd.addAll(args);
    Files.createDirectories(log.toAbsolutePath().getParent());
    Files.writeString(log, "=== " + String.join(" ", args) + System.lineSeparator(), StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().putIfAbsent("OMP_NUM_THREADS", "1");
    pb.environment().putIfAbsent("OPENBLAS_NUM_THREADS", "1");
    pb.environment().putAll(env);
    return new WndProcess(name, pb.start(), log);
  }

  private void readStdout() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter w = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
            StandardOpenOption.APPEND))) {
      String line;
      while ((line = r.readLine()) != null) {
        synchronized (lines) {
          lines.add(line);
          lines.notifyAll();
        }
        w.println("[stdout] " + line);
        w.flush();
      }
    } catch (IOException e) {
      // the process is gone
    } finally {
      synchronized (lines) {
        lines.notifyAll();
      }
    }
  }

  /**
   * Waits for a JSON line on stdout that matches.
   *
   * @param match what the line must satisfy
   * @param timeout the longest wait
   * @return the first matching line
   * @throws IllegalStateException if the process exits first or the time runs out (naming its log)
   */
  public JsonNode awaitJson(Predicate<JsonNode> match, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int seen = 0;
    synchronized (lines) {
      while (true) {
        for (; seen < lines.size(); seen++) {
          JsonNode j = parse(lines.get(seen));
          if (j != null && match.test(j)) {
            return j;
          }
        }
        long left = deadline - System.nanoTime();
        if (!process.isAlive() && !reader.isAlive()) {
          throw new IllegalStateException(name + " exited with code " + process.exitValue() + " (log: " + log + ")");
        }
        if (left <= 0) {
          throw new IllegalStateException(name + " printed no matching line within " + timeout + " (log: " + log + ")");
        }
        lines.wait(Math.max(1, Math.min(500, left / 1_000_000)));
      }
    }
  }

  /** @return the JSON lines printed so far (others skipped) */
  public List<JsonNode> jsonLines() {
    List<JsonNode> out = new ArrayList<>();
    synchronized (lines) {
      for (String l : lines) {
        JsonNode j = parse(l);
        if (j != null) {
          out.add(j);
        }
      }
    }
    return out;
  }

  private static JsonNode parse(String line) {
    if (!line.startsWith("{")) {
      return null;
    }
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      return null;
    }
  }

  /** SIGKILL (on Linux {@link Process#destroyForcibly()}), then waits for the process to be gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException(name + " survived SIGKILL for 60 s");
    }
  }

  /**
   * SIGTERM, then waits (SIGKILL after the timeout), and for the last lines it printed to be read.
   *
   * @param timeout how long a clean stop may take
   * @return the exit code
   */
  public int stop(Duration timeout) throws InterruptedException {
    // through the handle: Process.destroy() also closes the pipes at once, and what the process prints on its way
    // out (a summary) would be lost
    process.toHandle().destroy();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      kill();
    }
    reader.join(10_000); // its last lines (a summary printed on the way out) are read when this returns
    return process.exitValue();
  }

  /**
   * Waits for the process to exit by itself.
   *
   * @param timeout the longest wait
   * @return the exit code, or -1 if it is still running
   */
  public int await(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      return -1;
    }
    reader.join(10_000);
    return process.exitValue();
  }

  /** @return whether it runs */
  public boolean alive() {
    return process.isAlive();
  }

  /** @return the operating system's process id */
  public long pid() {
    return process.pid();
  }

  /** @return its name */
  public String name() {
    return name;
  }

  /** @return the log file (stderr, and stdout lines prefixed {@code [stdout]}) */
  public Path log() {
    return log;
  }

  /**
   * @return the log's lines so far
   * @throws UncheckedIOException if the log cannot be read
   */
  public List<String> logLines() {
    try {
      return Files.readAllLines(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** SIGTERM and a bounded wait; SIGKILL if it does not stop. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    try {
      stop(Duration.ofSeconds(30));
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}

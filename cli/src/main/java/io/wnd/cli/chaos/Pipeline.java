package io.wnd.cli.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The whole pipeline as separate JVMs of the same jar: a broker ({@code wnd kafka}) on a fixed port and data
 * directory (so it can be killed and restarted on the same data), scorers ({@code wnd score}, one application id)
 * and a trainer ({@code wnd train}). Each can be SIGKILLed and restarted with the same arguments.
 */
public final class Pipeline implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * How the pipeline runs.
   *
   * @param dir work directory: broker data, scorer state, logs
   * @param partitions partitions of the data topics
   * @param scorers how many scorers
   * @param window attribution window, e.g. {@code 20s}
   * @param grace grace, e.g. {@code 5s}
   * @param publishEvery the trainer's publish interval, e.g. {@code 3s}
   * @param publishEveryExamples the trainer's publish size
   * @param heap {@code -Xmx} of every app, e.g. {@code 1g}
   * @param trainerArgs extra trainer arguments
   * @param fixedHeap whether every app commits and touches its whole heap at start ({@code -Xms} = {@code -Xmx},
   *     {@code -XX:+AlwaysPreTouch}), so that its resident set grows only with native memory (RocksDB, threads,
   *     code): the soak's memory curves
   */
  public record Settings(Path dir, int partitions, int scorers, String window, String grace, String publishEvery,
      long publishEveryExamples, String heap, List<String> trainerArgs, boolean fixedHeap) {}

  private final Settings settings;
  private final int port;
  private WndProcess broker;
  private final WndProcess[] scorers;
  private final int[] httpPorts;
  private WndProcess trainer;

  /**
   * @param settings how to run
   * @throws IOException if no free port is found
   */
  public Pipeline(Settings settings) throws IOException {
    this.settings = settings;
    try (ServerSocket s = new ServerSocket(0)) {
      this.port = s.getLocalPort();
    }
    this.scorers = new WndProcess[settings.scorers()];
    this.httpPorts = new int[settings.scorers()];
  }

  /** @return the broker's address */
  public String bootstrap() {
    return "127.0.0.1:" + port;
  }

  /** @return the scorers' application id (their consumer group) */
  public String applicationId() {
    return "wnd-chaos-scorer";
  }

  private List<String> jvm() {
    if (settings.fixedHeap()) {
      return List.of("-Xmx" + settings.heap(), "-Xms" + settings.heap(), "-XX:+AlwaysPreTouch", "-XX:+UseG1GC");
    }
    return List.of("-Xmx" + settings.heap(), "-XX:+UseG1GC");
  }

  private Path log(String name) {
    return settings.dir().resolve("logs").resolve(name + ".log");
  }

  /** Starts (or restarts, on the same data directory and port) the broker and waits until it serves. */
  public void startBroker() throws IOException, InterruptedException {
    broker = WndProcess.start("broker", log("broker"), Map.of(), jvm(), List.of("kafka", "--dir",
        settings.dir().resolve("kafka").toString(), "--port", Integer.toString(port), "--partitions",
        Integer.toString(settings.partitions()), "--json"));
    broker.awaitJson(j -> j.has("bootstrap_servers"), Duration.ofMinutes(3));
  }

  /**
   * Starts (or restarts) scorer {@code i} and waits for its ready line.
   *
   * @param i which scorer
   */
  public void startScorer(int i) throws IOException, InterruptedException {
    scorers[i] = WndProcess.start("scorer-" + i, log("scorer-" + i), Map.of("WND_LOG_LEVEL", "INFO"), jvm(), List.of(
        "score", "-b", bootstrap(), "--no-model", "prior", "--attribution-window", settings.window(), "--grace",
        settings.grace(), "--http-port", "0", "--state-dir", settings.dir().resolve("scorer-" + i).toString(),
        "--application-id", applicationId(), "--json"));
    httpPorts[i] = scorers[i].awaitJson(j -> j.has("http_port"), Duration.ofMinutes(3)).get("http_port").asInt();
  }

  /**
   * Starts (or restarts) the trainer.
   *
   * @param extra more arguments (e.g. a fault's client settings)
   */
  public void startTrainer(List<String> extra) throws IOException {
    List<String> args = new ArrayList<>(List.of("train", "-b", bootstrap(), "--publish-every", settings.publishEvery(),
        "--publish-every-examples", Long.toString(settings.publishEveryExamples()), "--json"));
    args.addAll(settings.trainerArgs());
    args.addAll(extra);
    trainer = WndProcess.start("trainer", log("trainer"), Map.of("WND_LOG_LEVEL", "INFO"), jvm(), args);
  }

  /** Starts the broker, the scorers and the trainer. */
  public void start() throws IOException, InterruptedException {
    startBroker();
    for (int i = 0; i < scorers.length; i++) {
      startScorer(i);
    }
    startTrainer(List.of());
  }

  /** @return the broker */
  public WndProcess broker() {
    return broker;
  }

  /** @return the trainer */
  public WndProcess trainer() {
    return trainer;
  }

  /** @param i which @return scorer {@code i} */
  public WndProcess scorer(int i) {
    return scorers[i];
  }

  /** @return how many scorers */
  public int scorerCount() {
    return scorers.length;
  }

  /** @return every app process now */
  public List<WndProcess> processes() {
    List<WndProcess> all = new ArrayList<>();
    all.add(broker);
    all.addAll(List.of(scorers));
    all.add(trainer);
    return all;
  }

  /**
   * Asks scorer {@code i} over HTTP which version it serves.
   *
   * @param i which scorer
   * @return its version, or -1 if it does not answer
   */
  public long servedVersion(int i) {
    JsonNode j = getJson(i, "/v1/models/criteo");
    return j == null ? -1 : j.path("version").asLong(-1);
  }

  /**
   * @param i which scorer
   * @return its Prometheus text, or "" if it does not answer
   */
  public String metrics(int i) {
    byte[] b = get(i, "/metrics");
    return b == null ? "" : new String(b, java.nio.charset.StandardCharsets.UTF_8);
  }

  private JsonNode getJson(int i, String path) {
    byte[] b = get(i, path);
    try {
      return b == null ? null : JSON.readTree(b);
    } catch (IOException e) {
      return null;
    }
  }

  private byte[] get(int i, String path) {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + httpPorts[i] + path).toURL()
          .openConnection();
      c.setConnectTimeout(2_000);
      c.setReadTimeout(5_000);
      try (InputStream in = c.getInputStream()) {
        return in.readAllBytes();
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      return null;
    }
  }

  /** Stops the apps (trainer and scorers first, then the broker), each with SIGTERM. */
  @Override
  public void close() {
    if (trainer != null) {
      trainer.close();
    }
    for (WndProcess s : scorers) {
      if (s != null) {
        s.close();
      }
    }
    if (broker != null) {
      broker.close();
    }
  }
}

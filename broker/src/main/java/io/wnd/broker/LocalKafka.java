package io.wnd.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node KRaft Kafka broker running in this JVM.
 *
 * <p>The data directory is formatted only when it is new, so a broker restarted on the same directory
 * keeps its topics and offsets. The chosen ports are remembered in the directory too, so a restart
 * without explicit ports comes back at the same address.
 */
public final class LocalKafka implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalKafka.class);
  private static final String PORTS_FILE = "wnd-kafka-ports.properties";
  private static final String HOST = "127.0.0.1";

  private final Path dir;
  private final int requestedPort;
  private final int requestedControllerPort;
  private final Map<String, String> overrides;
  private KafkaRaftServer server;
  private int port;
  private long startMillis;

  private LocalKafka(Path dir, int port, int controllerPort, Map<String, String> overrides) {
    this.dir = dir.toAbsolutePath();
    this.requestedPort = port;
    this.requestedControllerPort = controllerPort;
    this.overrides = Map.copyOf(overrides);
  }

  /**
   * A broker keeping its data in {@code dir}.
   *
   * @param dir data directory, created if missing, formatted only if new
   * @param port client port on 127.0.0.1; 0 picks the port used last time in this directory, else a free one
   * @param controllerPort controller port on 127.0.0.1; 0 picks as for {@code port}
   * @param overrides broker settings that replace the defaults (for example {@code message.max.bytes})
   * @return a broker, not yet started
   */
  public static LocalKafka create(Path dir, int port, int controllerPort, Map<String, String> overrides) {
    return new LocalKafka(dir, port, controllerPort, overrides);
  }

  /**
   * Formats the directory if it is new, starts the broker and waits until it answers a metadata request.
   *
   * @param timeout how long to wait for the broker to be ready
   * @return this broker
   * @throws BrokerException if it cannot start, with the reason in the message
   */
  public synchronized LocalKafka start(Duration timeout) {
    if (server != null) {
      return this;
    }
    startMillis = System.currentTimeMillis();
    try {
      Files.createDirectories(dir);
      Properties remembered = readPorts();
      port = choosePort(requestedPort, remembered.getProperty("port"));
      int controllerPort = choosePort(requestedControllerPort, remembered.getProperty("controller.port"));
      if (controllerPort == port) {
        controllerPort = freePort();
      }
      for (int[] asked : new int[][] {{requestedPort, port}, {requestedControllerPort, controllerPort}}) {
        if (asked[0] > 0 && !isFree(asked[1])) {
          // said here, before Kafka logs pages of stack traces and a message that names no port
          throw new BrokerException("port " + asked[1] + " on " + HOST + " is in use (another broker, or another "
              + "program): stop it, or pick another port (wnd kafka --port N; 0 picks a free one)");
        }
      }
      Properties props = brokerProperties(port, controllerPort);
      Path config = dir.resolve("server.properties");
      try (OutputStream out = Files.newOutputStream(config)) {
        props.store(out, "written by wnd kafka; edits are overwritten at the next start");
      }
      if (Files.exists(dir.resolve("logs").resolve("meta.properties"))) {
        LOG.info("using the existing Kafka data in {}", dir);
      } else {
        format(config);
      }
      KafkaRaftServer raft = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
      raft.startup();
      server = raft;
      writePorts(port, controllerPort);
      awaitReady(timeout);
      LOG.info("Kafka broker ready at {} (data in {}) after {} ms", bootstrapServers(), dir,
          System.currentTimeMillis() - startMillis);
      return this;
    } catch (IOException e) {
      throw new BrokerException("cannot use data directory " + dir + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      stopQuietly();
      if (e instanceof BrokerException) {
        throw e;
      }
      throw new BrokerException("Kafka broker failed to start: " + e.getMessage(), e);
    }
  }

  /**
   * The address clients connect to.
   *
   * @return {@code 127.0.0.1:port}
   */
  public String bootstrapServers() {
    return HOST + ":" + port;
  }

  /**
   * The data directory.
   *
   * @return absolute path of the directory holding the logs and metadata
   */
  public Path dir() {
    return dir;
  }

  /**
   * Whether the broker is running.
   *
   * @return true between a successful {@link #start} and {@link #close}
   */
  public synchronized boolean isRunning() {
    return server != null;
  }

  /** Stops the broker and waits for it to finish; its data stays in the directory. */
  @Override
  public synchronized void close() {
    if (server == null) {
      return;
    }
    long t0 = System.currentTimeMillis();
    server.shutdown();
    server.awaitShutdown();
    server = null;
    LOG.info("Kafka broker at {} stopped in {} ms", bootstrapServers(), System.currentTimeMillis() - t0);
  }

  private void stopQuietly() {
    try {
      close();
    } catch (RuntimeException suppressed) {
      LOG.debug("error while stopping a broker that failed to start", suppressed);
      server = null;
    }
  }

  private Properties brokerProperties(int clientPort, int controllerPort) {
    Properties p = new Properties();
    p.setProperty("process.roles", "broker,controller");
    p.setProperty("node.id", "1");
    p.setProperty("controller.quorum.voters", "1@" + HOST + ":" + controllerPort);
    p.setProperty("listeners", "PLAINTEXT://" + HOST + ":" + clientPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
    p.setProperty("advertised.listeners", "PLAINTEXT://" + HOST + ":" + clientPort);
    p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.setProperty("controller.listener.names", "CONTROLLER");
    p.setProperty("inter.broker.listener.name", "PLAINTEXT");
    p.setProperty("log.dirs", dir.resolve("logs").toString());
    p.setProperty("metadata.log.dir", dir.resolve("metadata").toString());
    p.setProperty("offsets.topic.replication.factor", "1");
    p.setProperty("offsets.topic.num.partitions", "4");
    p.setProperty("transaction.state.log.replication.factor", "1");
    p.setProperty("transaction.state.log.min.isr", "1");
    p.setProperty("transaction.state.log.num.partitions", "4");
    p.setProperty("share.coordinator.state.topic.replication.factor", "1");
    p.setProperty("share.coordinator.state.topic.min.isr", "1");
    p.setProperty("group.initial.rebalance.delay.ms", "0");
    // Topics are created with their declared configuration (wnd topics create); a typo'd topic name in a
    // producer must fail rather than silently create a topic with default settings.
    p.setProperty("auto.create.topics.enable", "false");
    p.setProperty("num.partitions", "1");
    p.setProperty("log.cleaner.backoff.ms", "1000");
    // TCP buffers sized by the kernel's autotuning, not Kafka's fixed 100 KB: a full receive buffer makes the kernel
    // drop segments, resent only after TCP's 200 ms minimum retransmission timeout (see ScorerConfig.clientConfig)
    p.setProperty("socket.receive.buffer.bytes", "-1");
    p.setProperty("socket.send.buffer.bytes", "-1");
    overrides.forEach(p::setProperty);
    return p;
  }

  private void format(Path config) {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int rc;
    try (PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
      rc = StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", config.toString(),
          "--ignore-formatted"}, out);
    }
    String text = captured.toString(StandardCharsets.UTF_8).trim();
    if (rc != 0) {
      throw new BrokerException("formatting " + dir + " failed (exit " + rc + "): " + text);
    }
    LOG.debug("storage format: {}", text);
  }

  private void awaitReady(Duration timeout) {
    Properties p = new Properties();
    p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Admin admin = Admin.create(p)) {
      while (true) {
        try {
          admin.describeCluster().nodes().get(1, TimeUnit.SECONDS);
          if (!admin.describeCluster().nodes().get(1, TimeUnit.SECONDS).isEmpty()) {
            return;
          }
        } catch (ExecutionException | TimeoutException e) {
          if (System.nanoTime() > deadline) {
            throw new BrokerException("Kafka broker at " + bootstrapServers() + " not ready after " + timeout, e);
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BrokerException("interrupted while waiting for the broker", e);
    }
  }

  private int choosePort(int requested, String remembered) {
    if (requested > 0) {
      return requested;
    }
    if (remembered != null) {
      int previous = Integer.parseInt(remembered);
      if (isFree(previous)) {
        return previous;
      }
    }
    return freePort();
  }

  private Properties readPorts() throws IOException {
    Properties p = new Properties();
    Path file = dir.resolve(PORTS_FILE);
    if (Files.exists(file)) {
      try (var in = Files.newInputStream(file)) {
        p.load(in);
      }
    }
    return p;
  }

  private void writePorts(int clientPort, int controllerPort) throws IOException {
    Properties p = new Properties();
    p.setProperty("port", Integer.toString(clientPort));
    p.setProperty("controller.port", Integer.toString(controllerPort));
    try (OutputStream out = Files.newOutputStream(dir.resolve(PORTS_FILE))) {
      p.store(out, "ports of the last start; reused when free");
    }
  }

  private static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName(HOST))) {
      s.setReuseAddress(true);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on " + HOST, e);
    }
  }
}

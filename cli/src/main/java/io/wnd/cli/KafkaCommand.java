package io.wnd.cli;

import io.wnd.broker.LocalKafka;
import io.wnd.schemas.topics.TopicAdmin;
import io.wnd.schemas.topics.Topics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code wnd kafka}: a real single-node Kafka broker on this machine, until Ctrl-C. */
@Command(name = "kafka", mixinStandardHelpOptions = true, usageHelpWidth = 110,
    description = {"Start a real single-node Kafka broker (KRaft) on 127.0.0.1 and run it until Ctrl-C or SIGTERM.",
        "Its data stays in --dir across restarts (a new directory is formatted, an existing one reused).",
        "By default it also creates the WnD topics."})
final class KafkaCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".wnd/kafka",
      description = "Data directory (default: ${DEFAULT-VALUE}).")
  Path dir;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "9092",
      description = "Client port on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--controller-port", paramLabel = "PORT", defaultValue = "0",
      description = "KRaft controller port on 127.0.0.1; 0 picks a free one (default).")
  int controllerPort;

  @Option(names = "--topic-prefix", paramLabel = "PREFIX", defaultValue = Topics.DEFAULT_PREFIX,
      description = "Prefix of the topics created (default: ${DEFAULT-VALUE}).")
  String prefix;

  @Option(names = "--partitions", paramLabel = "N", defaultValue = "" + Topics.DEFAULT_PARTITIONS,
      description = "Partitions of the data topics created (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--no-topics", negatable = false, description = "Do not create the WnD topics.")
  boolean noTopics;

  @Option(names = "--json", description = "When ready, print one JSON object (bootstrap_servers, dir, start_ms, "
      + "topics_created); when stopped, another (state: stopped, stop_ms).")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (port < 0 || port > 65_535) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--port: " + port + " is not a port");
    }
    Topics topics;
    try {
      topics = new Topics(prefix, partitions);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    PrintWriter out = spec.commandLine().getOut();
    long t0 = System.nanoTime();
    LocalKafka kafka = LocalKafka.create(dir, port, controllerPort, Map.of()).start(Duration.ofSeconds(60));
    long startMs = (System.nanoTime() - t0) / 1_000_000;
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      long s0 = System.nanoTime();
      kafka.close();
      long stopMs = (System.nanoTime() - s0) / 1_000_000;
      if (json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("state", "stopped");
        m.put("bootstrap_servers", kafka.bootstrapServers());
        m.put("dir", kafka.dir().toString());
        m.put("stop_ms", stopMs);
        Json.print(out, m);
      } else {
        out.printf("Kafka broker at %s stopped in %d ms; its data stays in %s (wnd kafka --dir %s starts it again)%n",
            kafka.bootstrapServers(), stopMs, kafka.dir(), kafka.dir());
        out.flush();
      }
      stopped.countDown();
    }, "wnd-kafka-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);

    int created = 0;
    if (!noTopics) {
      try (Admin admin = Admin.create(ClientOptions.localClient(kafka.bootstrapServers()))) {
        List<TopicAdmin.Status> statuses = new TopicAdmin(admin, topics, (short) 1).create();
        created = (int) statuses.stream().filter(s -> s.outcome() == TopicAdmin.Outcome.CREATED).count();
        statuses.stream().filter(s -> s.outcome() == TopicAdmin.Outcome.MISMATCH).forEach(
            s -> spec.commandLine().getErr().println("warning: topic " + s.name() + ": " + String.join("; ", s.problems())));
      }
    }
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("bootstrap_servers", kafka.bootstrapServers());
      m.put("dir", kafka.dir().toString());
      m.put("start_ms", startMs);
      m.put("topics_created", created);
      Json.print(out, m);
    } else {
      out.printf("Kafka broker ready at %s in %d ms (data in %s; %d topics created)%n", kafka.bootstrapServers(),
          startMs, kafka.dir(), created);
      out.println("Press Ctrl-C to stop.");
      out.flush();
    }
    stopped.await();
    return 0;
  }
}

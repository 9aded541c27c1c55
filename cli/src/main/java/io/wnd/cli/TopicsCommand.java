package io.wnd.cli;

import io.wnd.schemas.topics.TopicAdmin;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code wnd topics create|describe}. */
@Command(name = "topics", mixinStandardHelpOptions = true, usageHelpWidth = 110,
    description = {"Create or describe the WnD topics on a Kafka cluster.", "",
        "create    creates the missing topics with their partitions, cleanup policy and configs; idempotent.",
        "          An existing topic that differs (e.g. a models topic without compaction) is reported, never",
        "          altered, and the exit code is 1.",
        "describe  shows each topic's partitions, cleanup policy and max message size; exit 1 if any differs.", ""})
final class TopicsCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  KafkaOptions kafka;

  @Parameters(index = "0", paramLabel = "ACTION", description = "create or describe")
  Action action;

  @Option(names = "--replication-factor", paramLabel = "N", defaultValue = "-1",
      description = "Replication of created topics; -1 (default) uses the broker's default.")
  short replicationFactor;

  @Option(names = "--json", description = "Print one JSON object: {\"topics\": [...], \"ok\": true|false}.")
  boolean json;

  enum Action { create, describe }

  @Override
  public Integer call() {
    var topics = kafka.topics();
    List<TopicAdmin.Status> statuses;
    try (Admin admin = Admin.create(kafka.clientConfig())) {
      Cluster.requireReachable(admin, kafka.bootstrapServers);
      TopicAdmin ta = new TopicAdmin(admin, topics, replicationFactor);
      statuses = action == Action.create ? ta.create() : ta.describe();
    }
    boolean ok = statuses.stream().noneMatch(s -> s.outcome() == TopicAdmin.Outcome.MISMATCH);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("bootstrap_servers", kafka.bootstrapServers);
      m.put("topics", statuses.stream().map(TopicsCommand::asMap).toList());
      m.put("ok", ok);
      Json.print(out, m);
    } else {
      out.printf("%-32s %-9s %10s %-8s %12s  %s%n", "TOPIC", "STATUS", "PARTITIONS", "CLEANUP", "MAX_BYTES", "PROBLEMS");
      for (TopicAdmin.Status s : statuses) {
        out.printf("%-32s %-9s %10d %-8s %12d  %s%n", s.name(), s.outcome().name().toLowerCase(java.util.Locale.ROOT),
            s.partitions(), s.cleanupPolicy(), s.maxMessageBytes(), String.join("; ", s.problems()));
      }
      out.flush();
    }
    if (!ok) {
      spec.commandLine().getErr().println("wnd topics: some topics differ from the registry (see PROBLEMS)");
    }
    return ok ? 0 : 1;
  }

  private static Map<String, Object> asMap(TopicAdmin.Status s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", s.name());
    m.put("status", s.outcome().name().toLowerCase(java.util.Locale.ROOT));
    m.put("partitions", s.partitions());
    m.put("cleanup_policy", s.cleanupPolicy());
    m.put("max_message_bytes", s.maxMessageBytes());
    m.put("problems", s.problems());
    return m;
  }
}

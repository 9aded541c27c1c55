package io.wnd.cli;

import io.wnd.schemas.topics.Topics;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** The options every command that talks to a Kafka cluster shares. */
public final class KafkaOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(names = {"-b", "--bootstrap-servers"}, paramLabel = "HOST:PORT[,...]",
      defaultValue = "${env:WND_BOOTSTRAP_SERVERS:-127.0.0.1:9092}",
      description = "Kafka bootstrap servers (default: $WND_BOOTSTRAP_SERVERS or ${DEFAULT-VALUE}).")
  String bootstrapServers;

  @Mixin
  ClientOptions client;

  @Option(names = "--topic-prefix", paramLabel = "PREFIX", defaultValue = Topics.DEFAULT_PREFIX,
      description = "Prefix of every topic name (default: ${DEFAULT-VALUE}).")
  String prefix;

  @Option(names = "--partitions", paramLabel = "N", defaultValue = "" + Topics.DEFAULT_PARTITIONS,
      description = "Partitions of the data topics when they are created (default: ${DEFAULT-VALUE}).")
  int partitions;

  /** @return the topic registry these options name */
  public Topics topics() {
    try {
      return new Topics(prefix, partitions);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--topic-prefix/--partitions: " + e.getMessage(), e);
    }
  }

  /** @return client settings: bootstrap servers, the config file, then the -X settings */
  public Map<String, Object> clientConfig() {
    return client.clientConfig(bootstrapServers);
  }
}

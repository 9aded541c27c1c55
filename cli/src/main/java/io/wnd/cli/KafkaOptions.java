package io.wnd.cli;

import io.wnd.schemas.topics.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
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

  @Option(names = "--client-config", paramLabel = "FILE",
      description = "A properties file of Kafka client settings (security.protocol, sasl.*, ssl.*, ...) "
          + "passed to every client unchanged.")
  Path clientConfig;

  @Option(names = {"-X", "--client"}, paramLabel = "KEY=VALUE",
      description = "One Kafka client setting, passed to every client unchanged; repeatable; wins over --client-config.")
  Map<String, String> client = new LinkedHashMap<>();

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
    return clientConfig(spec, bootstrapServers, clientConfig, client);
  }

  /**
   * Client settings from a command's options: bootstrap servers, the settings of a properties file, then single
   * settings, which win; and the timeouts every wnd client has unless told otherwise.
   *
   * @param spec      the command (for the usage error a missing or unreadable file is)
   * @param servers   the bootstrap servers
   * @param file      a properties file of client settings, or null
   * @param settings  single settings (-X KEY=VALUE)
   * @return the settings
   */
  static Map<String, Object> clientConfig(CommandSpec spec, String servers, Path file, Map<String, String> settings) {
    Map<String, Object> m = new HashMap<>();
    m.put("bootstrap.servers", servers);
    if (file != null) {
      Properties p = new Properties();
      try (InputStream in = Files.newInputStream(file)) {
        p.load(in);
      } catch (NoSuchFileException e) {
        throw new ParameterException(spec.commandLine(), "--client-config: no such file: " + file);
      } catch (IOException e) {
        throw new ParameterException(spec.commandLine(), "--client-config: cannot read " + file + ": "
            + e.getMessage());
      }
      p.forEach((k, v) -> m.put(k.toString(), v));
    }
    m.putAll(settings);
    m.putIfAbsent("request.timeout.ms", 15_000);
    m.putIfAbsent("default.api.timeout.ms", 30_000);
    return m;
  }
}

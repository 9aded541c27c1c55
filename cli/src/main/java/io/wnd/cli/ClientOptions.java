package io.wnd.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The Kafka client settings a command passes to every client it makes: a properties file, then single settings. */
public final class ClientOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(names = "--client-config", paramLabel = "FILE",
      description = "A properties file of Kafka client settings (security.protocol, sasl.*, ssl.*, ...) "
          + "passed to every client unchanged.")
  Path file;

  @Option(names = {"-X", "--client"}, paramLabel = "KEY=VALUE",
      description = "One Kafka client setting, passed to every client unchanged; repeatable; wins over --client-config.")
  Map<String, String> settings = new LinkedHashMap<>();

  /**
   * For a command that starts a broker of its own unless -b names a cluster: refuses settings given without -b.
   *
   * @param bootstrap the -b value, or null
   */
  void requireClusterForSettings(String bootstrap) {
    if (bootstrap == null && (file != null || !settings.isEmpty())) {
      throw new ParameterException(spec.commandLine(), "--client-config and -X are for a cluster named by -b "
          + "(--bootstrap-servers); without -b the bench starts its own broker");
    }
  }

  /**
   * Client settings: bootstrap servers, the settings of the file, then the single settings, which win; and the
   * timeouts every wnd client has unless told otherwise.
   *
   * @param servers the bootstrap servers
   * @return the settings
   */
  Map<String, Object> clientConfig(String servers) {
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
    return withSocketBuffers(m);
  }

  /**
   * The settings of a client of the broker a command starts itself: bootstrap servers and the socket buffers of
   * {@link #withSocketBuffers}.
   *
   * @param servers the local broker's bootstrap servers
   * @return the settings (modifiable)
   */
  public static Map<String, Object> localClient(String servers) {
    Map<String, Object> m = new HashMap<>();
    m.put("bootstrap.servers", servers);
    return withSocketBuffers(m);
  }

  /**
   * Sizes the clients' TCP buffers by the kernel's autotuning ({@code -1}) unless the settings say otherwise, as
   * {@code ScorerConfig} does for the scorer's clients. Kafka's fixed defaults (64 KB to receive for a consumer)
   * overflow: a consumer that is busy between polls lets a fetch response fill its buffer, the kernel drops
   * segments from it (TcpExtRcvPruned), and the broker resends them after the 200 ms minimum retransmission
   * timeout. On the local broker that was a 208 ms fetch every few seconds: whole-thread stalls of the scorer
   * of 200-450 ms (docs/scorer-bench.md, session 18).
   *
   * @param m client settings
   * @return {@code m}
   */
  static Map<String, Object> withSocketBuffers(Map<String, Object> m) {
    m.putIfAbsent("receive.buffer.bytes", -1);
    m.putIfAbsent("send.buffer.bytes", -1);
    return m;
  }
}

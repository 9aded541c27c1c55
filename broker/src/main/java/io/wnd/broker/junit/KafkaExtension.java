package io.wnd.broker.junit;

import io.wnd.broker.LocalKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Injects a running {@link LocalKafka} into test constructors, lifecycle methods and test methods.
 *
 * <p>One broker is started per test JVM, on the first request, in a fresh temporary directory, and
 * stopped (its directory deleted) when the JVM's tests are done. Tests isolate themselves with unique
 * topic names, not with a broker each, which keeps the suite fast.
 *
 * <pre>{@code
 * @ExtendWith(KafkaExtension.class)
 * class ThingIT {
 *   @Test void shouldRoundTrip(LocalKafka kafka) { ... kafka.bootstrapServers() ... }
 * }
 * }</pre>
 */
public final class KafkaExtension implements ParameterResolver {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(KafkaExtension.class);

  /**
   * An event time for records a test produces, an hour before now (read once per call). The broker keeps
   * records for 7 days by their timestamp and checks first 30 s after it starts: records stamped earlier (a
   * fixed date in 2023, say) are deleted under a test that reads them back about then, and a consumer that
   * was at offset 0 silently skips to the end.
   *
   * @return epoch milliseconds an hour ago
   */
  public static long recentEventTime() {
    return System.currentTimeMillis() - Duration.ofHours(1).toMillis();
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == LocalKafka.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context.getRoot().getStore(NS)
        .getOrComputeIfAbsent(SharedBroker.class, k -> SharedBroker.start(), SharedBroker.class).kafka;
  }

  /** The broker and its directory, closed by JUnit when the root context closes. */
  static final class SharedBroker implements AutoCloseable {
    final LocalKafka kafka;
    final Path dir;

    private SharedBroker(LocalKafka kafka, Path dir) {
      this.kafka = kafka;
      this.dir = dir;
    }

    static SharedBroker start() {
      try {
        Path dir = Files.createTempDirectory("wnd-test-kafka-");
        LocalKafka kafka = LocalKafka.create(dir, 0, 0, Map.of()).start(Duration.ofSeconds(60));
        return new SharedBroker(kafka, dir);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void close() throws IOException {
      kafka.close();
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}

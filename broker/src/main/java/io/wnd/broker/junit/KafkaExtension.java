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

package io.wnd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.wnd.cli.chaos.WndProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code wnd kafka} as a user runs it: its own JVM from the built jar, stopped with SIGTERM. */
class KafkaCommandIT {

  @Test
  void shouldServeClientsSurviveARestartAndStopCleanlyOnSigterm(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("kafka");
    WndProcess first = start(dir, data);
    String bootstrap;
    try {
      JsonNode ready = first.awaitJson(j -> j.has("bootstrap_servers"), Duration.ofMinutes(2));
      bootstrap = ready.get("bootstrap_servers").asText();
      assertThat(ready.get("topics_created").asInt()).isEqualTo(7);
      try (var p = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", bootstrap),
          new StringSerializer(), new StringSerializer())) {
        p.send(new ProducerRecord<>("wnd.clicks", 0, "k", "before-restart")).get();
      }
    } catch (RuntimeException | AssertionError e) {
      first.kill();
      throw e;
    }
    assertThat(first.stop(Duration.ofSeconds(30))).as("a clean stop on SIGTERM exits 143 (128 + 15) from the JVM's hook")
        .isIn(0, 143);
    List<JsonNode> lines = first.jsonLines();
    assertThat(lines.get(lines.size() - 1).get("state").asText()).as("the last line says it stopped").isEqualTo("stopped");

    try (WndProcess second = start(dir, data)) {
      JsonNode ready = second.awaitJson(j -> j.has("bootstrap_servers"), Duration.ofMinutes(2));
      assertThat(ready.get("topics_created").asInt()).as("topics survived the restart").isZero();
      String again = ready.get("bootstrap_servers").asText();
      List<String> values = new ArrayList<>();
      try (var c = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers", again),
          new StringDeserializer(), new StringDeserializer())) {
        TopicPartition tp = new TopicPartition("wnd.clicks", 0);
        c.assign(Set.of(tp));
        c.seekToBeginning(Set.of(tp));
        long deadline = System.currentTimeMillis() + 30_000;
        while (values.isEmpty() && System.currentTimeMillis() < deadline) {
          c.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
        }
      }
      assertThat(values).containsExactly("before-restart");
    }
  }

  private static WndProcess start(Path dir, Path data) throws Exception {
    return WndProcess.start("kafka", dir.resolve("kafka.log"), Map.of(), List.of(), List.of("kafka", "--dir",
        data.toString(), "--port", "0", "--json"));
  }
}

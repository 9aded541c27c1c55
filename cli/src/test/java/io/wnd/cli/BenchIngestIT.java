package io.wnd.cli;

import static io.wnd.cli.WndIT.wnd;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wnd.broker.LocalKafka;
import io.wnd.broker.junit.KafkaExtension;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code wnd bench ingest} at a tiny size, on a cluster named by -b: it measures every phase and leaves no topic. */
@ExtendWith(KafkaExtension.class)
class BenchIngestIT {

  @Test
  void shouldMeasureEveryPhaseOnTheClusterThatBootstrapServersNamesAndDeleteItsTopics(LocalKafka kafka)
      throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      Set<String> before = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      WndIT.Result r = wnd("bench", "ingest", "-b", kafka.bootstrapServers(), "-X", "request.timeout.ms=20000",
          "--rows", "2000", "--json");
      assertThat(r.code()).as(r.err()).isZero();
      JsonNode j = new ObjectMapper().readTree(r.lastLine());
      for (String phase : new String[] {"generate_only", "read_parse", "read_parse_encode", "replay", "generate"}) {
        assertThat(j.get(phase + "_rows_per_second").asLong()).as(phase).isPositive();
      }
      assertThat(r.err()).contains("bench: deleted this run's 7 topics (bench-replay-")
          .contains("bench: deleted this run's 7 topics (bench-generate-");
      assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).isEqualTo(before);
    }
  }
}

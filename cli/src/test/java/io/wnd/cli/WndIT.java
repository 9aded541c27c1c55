package io.wnd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wnd.broker.LocalKafka;
import io.wnd.broker.junit.KafkaExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaExtension.class)
class WndIT {
  private final ObjectMapper mapper = new ObjectMapper();

  record Result(int code, String out, String err) {
    String lastLine() {
      String[] lines = out.strip().split("\n");
      return lines[lines.length - 1];
    }
  }

  static Result wnd(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Wnd.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void shouldCreateTopicsIdempotently(LocalKafka kafka) throws Exception {
    String prefix = "cli" + UUID.randomUUID().toString().substring(0, 6) + ".";
    Result first = wnd("topics", "create", "-b", kafka.bootstrapServers(), "--topic-prefix", prefix, "--json");
    assertThat(first.code()).as(first.err()).isZero();
    JsonNode json = mapper.readTree(first.lastLine());
    assertThat(json.get("ok").asBoolean()).isTrue();
    assertThat(json.get("topics")).hasSize(7).allSatisfy(t -> assertThat(t.get("status").asText()).isEqualTo("created"));

    Result second = wnd("topics", "create", "-b", kafka.bootstrapServers(), "--topic-prefix", prefix, "--json");
    assertThat(second.code()).isZero();
    assertThat(mapper.readTree(second.lastLine()).get("topics"))
        .allSatisfy(t -> assertThat(t.get("status").asText()).isEqualTo("exists"));
  }

  @Test
  void shouldReportAModelsTopicWithTheWrongCleanupPolicyAndExitOne(LocalKafka kafka) throws Exception {
    String prefix = "bad" + UUID.randomUUID().toString().substring(0, 6) + ".";
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(prefix + "models", 1, (short) 1))).all().get();
    }
    Result r = wnd("topics", "create", "-b", kafka.bootstrapServers(), "--topic-prefix", prefix);
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).contains(prefix + "models").contains("cleanup.policy is delete, expected compact");
    assertThat(r.err()).contains("some topics differ");
  }

  @Test
  void shouldListEveryCommandWithOneWholeSentence() {
    Result help = wnd("--help");
    assertThat(help.code()).isZero();
    String commands = help.out().substring(help.out().indexOf("Commands:") + "Commands:".length(),
        help.out().indexOf("Run 'wnd <command> --help'"));
    for (String line : commands.lines().filter(l -> !l.isBlank()).toList()) {
      assertThat(line).as("one line per command, a whole sentence").matches("  [a-z]+ +[A-Z].*\\.");
    }
  }

  @Test
  void shouldExitTwoOnAUsageErrorAndOneWithOneLineOnARuntimeError() {
    Result usage = wnd("topics", "shred");
    assertThat(usage.code()).isEqualTo(2);
    assertThat(usage.err()).contains("Invalid value for positional parameter");

    Result badPrefix = wnd("topics", "describe", "--topic-prefix", "no spaces please");
    assertThat(badPrefix.code()).isEqualTo(2);
    assertThat(badPrefix.err()).contains("invalid topic prefix 'no spaces please'");

    Result noThreads = wnd("score", "-b", "127.0.0.1:1", "--threads", "0");
    assertThat(noThreads.code()).isEqualTo(2);
    assertThat(noThreads.err()).contains("--threads must be at least 1, got 0");
    Result twice = wnd("score", "-b", "127.0.0.1:1", "--threads", "2", "-S", "num.stream.threads=3");
    assertThat(twice.code()).isEqualTo(2);
    assertThat(twice.err()).contains("--threads or -S num.stream.threads, not both");

    // options that cannot go together, or do nothing: usage errors, not silently ignored
    Result pace = wnd("replay", "-b", "127.0.0.1:1", "--rate", "100", "--speedup", "2", "x.tsv");
    assertThat(pace.code()).isEqualTo(2);
    assertThat(pace.err()).contains("--rate and --speedup both set the wall-clock pace");
    Result listOne = wnd("versions", "list", "5", "-b", "127.0.0.1:1");
    assertThat(listOne.code()).isEqualTo(2);
    assertThat(listOne.err()).contains("list takes no version (got 5): wnd versions show 5 shows one");
    Result evalLimit = wnd("fit", "--input", "x.tsv", "--eval-limit", "10");
    assertThat(evalLimit.code()).isEqualTo(2);
    assertThat(evalLimit.err()).contains("--eval-limit applies to --eval FILE..., which is not given");

    Result kafkaPartitions = wnd("kafka", "--partitions", "0", "--port", "1");
    assertThat(kafkaPartitions.code()).isEqualTo(2);
    assertThat(kafkaPartitions.err()).contains("invalid partition count 0");

    // the message and where the usage is, not the whole usage after it
    Result badSpec = wnd("fit", "--input", "x.tsv", "--spec", "critero");
    assertThat(badSpec.code()).isEqualTo(2);
    assertThat(badSpec.err().lines().toList()).hasSize(2);
    assertThat(badSpec.err()).startsWith("wnd fit: --spec: 'critero' is neither a built-in spec")
        .endsWith("Run 'wnd fit --help' for usage." + System.lineSeparator());
    Result typo = wnd("bench", "score", "--event", "5");
    assertThat(typo.code()).isEqualTo(2);
    assertThat(typo.err()).startsWith("wnd bench score: Unknown options: '--event'").contains("--events")
        .contains("Run 'wnd bench score --help' for usage.").doesNotContain("Usage:");

    Result noHost = wnd("topics", "describe", "-b", "nosuchhost.invalid:9092");
    assertThat(noHost.code()).isEqualTo(1);
    assertThat(noHost.err()).contains("No resolvable bootstrap urls");

    Result noBroker = wnd("topics", "describe", "-b", "127.0.0.1:1");
    assertThat(noBroker.code()).isEqualTo(1);
    assertThat(noBroker.err()).startsWith("wnd topics: error: no Kafka cluster answered at 127.0.0.1:1")
        .doesNotContain("\tat ");
  }
}

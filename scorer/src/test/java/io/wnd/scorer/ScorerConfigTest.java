package io.wnd.scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class ScorerConfigTest {

  @Test
  void shouldDefaultToExactlyOnceV2AndPassClientSettingsToEveryClient() {
    ScorerConfig c = new ScorerConfig(Map.of(ScorerConfig.BOOTSTRAP_SERVERS_CONFIG, "b1:9092,b2:9092",
        "scorer.client.security.protocol", "SASL_SSL", "scorer.streams.num.stream.threads", "2"));
    assertThat(c.streamsConfig()).containsEntry("processing.guarantee", "exactly_once_v2")
        .containsEntry("bootstrap.servers", "b1:9092,b2:9092").containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("num.stream.threads", "2").containsEntry("application.id", "wnd-scorer");
    assertThat(c.clientConfig()).containsEntry("security.protocol", "SASL_SSL").doesNotContainKey("num.stream.threads");
    assertThat(c.spec().name()).isEqualTo("criteo");
    assertThat(c.priorPolicy()).isFalse();
    assertThat(c.httpToken()).isNull();
    assertThat(c.getString(ScorerConfig.HTTP_BIND_CONFIG)).isEqualTo("127.0.0.1");
  }

  @Test
  void shouldLeaveTheClientsSocketBuffersToTheKernelUnlessTold() {
    assertThat(new ScorerConfig(Map.of()).streamsConfig()).as("every client of the app")
        .containsEntry("receive.buffer.bytes", -1).containsEntry("send.buffer.bytes", -1);
    ScorerConfig told = new ScorerConfig(Map.of("scorer.client.receive.buffer.bytes", "65536"));
    assertThat(told.clientConfig()).containsEntry("receive.buffer.bytes", "65536").containsEntry("send.buffer.bytes", -1);
    // as Kafka Streams resolves them for each of its clients: the plain keys reach all, a prefixed one wins for its own
    StreamsConfig streams = new StreamsConfig(new ScorerConfig(
        Map.of("scorer.streams.main.consumer.receive.buffer.bytes", "32768")).streamsConfig());
    assertThat(streams.getMainConsumerConfigs("g", "c", 0)).containsEntry("receive.buffer.bytes", "32768")
        .containsEntry("send.buffer.bytes", -1);
    for (Map<String, Object> client : List.of(streams.getProducerConfigs("c"), streams.getAdminConfigs("c"),
        streams.getRestoreConsumerConfigs("c"), streams.getGlobalConsumerConfigs("c"))) {
      assertThat(client).containsEntry("receive.buffer.bytes", -1).containsEntry("send.buffer.bytes", -1);
    }
  }

  @Test
  void shouldBoundTheStoresNativeMemoryUnlessTold() {
    Map<String, Object> bounded = new ScorerConfig(Map.of()).streamsConfig();
    assertThat(bounded).containsEntry("rocksdb.config.setter", io.wnd.scorer.internals.BoundedRocksMemory.class)
        .containsEntry(io.wnd.scorer.internals.BoundedRocksMemory.BYTES_CONFIG, 128L * 1024 * 1024);
    assertThat(new ScorerConfig(Map.of(ScorerConfig.ROCKSDB_MEMORY_BYTES_CONFIG, "0")).streamsConfig())
        .doesNotContainKey("rocksdb.config.setter");
    assertThat(new ScorerConfig(Map.of("scorer.streams.rocksdb.config.setter", "my.Setter")).streamsConfig())
        .as("the user's own setter wins").containsEntry("rocksdb.config.setter", "my.Setter");
    assertBad(ScorerConfig.ROCKSDB_MEMORY_BYTES_CONFIG, "-1");
  }

  @Test
  void shouldFailNamingTheKeyAndTheValue() {
    assertBad(ScorerConfig.ATTRIBUTION_WINDOW_MS_CONFIG, "0");
    assertBad(ScorerConfig.ATTRIBUTION_WINDOW_MS_CONFIG, "ten minutes");
    assertBad(ScorerConfig.NO_MODEL_POLICY_CONFIG, "guess");
    assertBad(ScorerConfig.PRIOR_BASE_RATE_CONFIG, "1.5");
    assertBad(ScorerConfig.SPEC_CONFIG, "no-such-spec");
    assertBad(ScorerConfig.MODEL_NAME_CONFIG, "a/b");
    assertBad(ScorerConfig.HTTP_PORT_CONFIG, "70000");
    assertBad(ScorerConfig.HOLD_MAX_IMPRESSIONS_CONFIG, "-1");
    assertBad("scorer.attribution.windw.ms", "1000");
  }

  @Test
  void shouldBuildTopologySettingsFromThePriorPolicy() {
    ScorerConfig c = new ScorerConfig(Map.of(ScorerConfig.NO_MODEL_POLICY_CONFIG, "prior",
        ScorerConfig.PRIOR_BASE_RATE_CONFIG, "0.03", ScorerConfig.ATTRIBUTION_WINDOW_MS_CONFIG, "5000"));
    ScorerTopology.Settings s = c.topologySettings();
    assertThat(s.hold()).isFalse();
    assertThat(s.priorRate()).isEqualTo(0.03);
    assertThat(s.windowMs()).isEqualTo(5000);
  }

  @Test
  void shouldLookForClosedWindowsEveryHundredMillisecondsOfEventTimeUnlessTold() {
    assertThat(new ScorerConfig(Map.of()).topologySettings().punctuateMs()).isEqualTo(100);
    assertThat(new ScorerConfig(Map.of(ScorerConfig.JOIN_PUNCTUATE_MS_CONFIG, "10")).topologySettings().punctuateMs())
        .isEqualTo(10);
    assertBad(ScorerConfig.JOIN_PUNCTUATE_MS_CONFIG, "0");
  }

  @Test
  void shouldGiveTheProducerLargeBatchesUnlessTheUserSetsASize() {
    assertThat(new ScorerConfig(Map.of()).streamsConfig()).containsEntry("producer.batch.size", 262_144)
        .doesNotContainKey("batch.size");
    // the user's size, for every client or for the producer, is the one Kafka Streams sees
    Map<String, Object> client = new ScorerConfig(Map.of(ScorerConfig.CLIENT_PREFIX + "batch.size", "1000"))
        .streamsConfig();
    assertThat(client).containsEntry("batch.size", "1000").doesNotContainKey("producer.batch.size");
    Map<String, Object> producer = new ScorerConfig(Map.of(ScorerConfig.STREAMS_PREFIX + "producer.batch.size",
        "2000")).streamsConfig();
    assertThat(producer).containsEntry("producer.batch.size", "2000");
    for (String key : List.of(ScorerConfig.STREAMS_PREFIX + "batch.size",
        ScorerConfig.CLIENT_PREFIX + "producer.batch.size")) {
      Map<String, Object> m = new ScorerConfig(Map.of(key, "3000")).streamsConfig();
      assertThat(new org.apache.kafka.streams.StreamsConfig(m).getProducerConfigs("c")).as(key)
          .containsEntry("batch.size", "3000");
    }
    assertThat(new org.apache.kafka.streams.StreamsConfig(client).getProducerConfigs("c"))
        .containsEntry("batch.size", "1000");
    assertThat(new org.apache.kafka.streams.StreamsConfig(new ScorerConfig(Map.of()).streamsConfig())
        .getProducerConfigs("c")).containsEntry("batch.size", 262_144);
  }

  @Test
  void shouldBoundTheHeldStoreAndServeThePriorToItsOverflow() {
    ScorerTopology.Settings d = new ScorerConfig(Map.of()).topologySettings();
    assertThat(d.hold()).isTrue();
    assertThat(d.holdMax()).isEqualTo(100_000);
    assertThat(d.holdOverflowRate()).isEqualTo(0.25);
    ScorerTopology.Settings s = new ScorerConfig(Map.of(ScorerConfig.HOLD_MAX_IMPRESSIONS_CONFIG, "10",
        ScorerConfig.PRIOR_BASE_RATE_CONFIG, "0.04")).topologySettings();
    assertThat(s.hold()).isTrue();
    assertThat(s.holdMax()).isEqualTo(10);
    assertThat(s.holdOverflowRate()).isEqualTo(0.04);
  }

  private static void assertBad(String key, String value) {
    assertThatThrownBy(() -> new ScorerConfig(Map.of(key, value))).isInstanceOf(ConfigException.class)
        .hasMessageContaining(key).hasMessageContaining(value);
  }
}

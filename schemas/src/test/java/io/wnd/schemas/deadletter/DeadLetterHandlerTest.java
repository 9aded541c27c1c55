package io.wnd.schemas.deadletter;

import static org.assertj.core.api.Assertions.assertThat;

import io.wnd.avro.Click;
import io.wnd.schemas.Samples;
import io.wnd.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

class DeadLetterHandlerTest {

  @Test
  void shouldDeadLetterUndecodableRecordsAndGoOn() {
    Topics topics = Topics.defaults();
    Topics.Serdes serdes = Topics.serdes(null);
    StreamsBuilder b = new StreamsBuilder();
    b.stream(topics.name(Topics.CLICKS), Consumed.with(Serdes.String(), serdes.clicks()).withName("clicks-in"))
        .mapValues(Click::getImpressionId, Named.as("id"))
        .to("out", Produced.with(Serdes.String(), Serdes.String()).withName("out"));
    DeadLetters deadLetters = new DeadLetters(topics.name(Topics.DEAD_LETTER));
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "dlq-test");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
    p.put(DeadLetterHandler.DEAD_LETTERS_CONFIG, deadLetters);

    try (TopologyTestDriver driver = new TopologyTestDriver(b.build(), p)) {
      var in = driver.createInputTopic(topics.name(Topics.CLICKS), new StringSerializer(), new ByteArraySerializer());
      var out = driver.createOutputTopic("out", new StringDeserializer(), new StringDeserializer());
      var dlq = driver.createOutputTopic(topics.name(Topics.DEAD_LETTER), new ByteArrayDeserializer(),
          new ByteArrayDeserializer());

      byte[] garbage = "garbage".getBytes(StandardCharsets.UTF_8);
      in.pipeInput("k1", serdes.clicks().serialize("t", Samples.click("good-1")));
      in.pipeInput("k2", garbage);
      in.pipeInput("k3", serdes.clicks().serialize("t", Samples.click("good-2")));

      assertThat(out.readValuesToList()).containsExactly("good-1", "good-2");
      TestRecord<byte[], byte[]> dead = dlq.readRecord();
      assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("k2");
      assertThat(dead.value()).isEqualTo(garbage);
      assertThat(DeadLetters.header(dead.headers(), DeadLetters.TOPIC)).isEqualTo("wnd.clicks");
      assertThat(DeadLetters.header(dead.headers(), DeadLetters.PARTITION)).isEqualTo("0");
      assertThat(DeadLetters.header(dead.headers(), DeadLetters.OFFSET)).isEqualTo("1");
      assertThat(DeadLetters.header(dead.headers(), DeadLetters.REASON)).isEqualTo("BAD_HEADER");
      assertThat(DeadLetters.header(dead.headers(), DeadLetters.STAGE)).startsWith("deserialize:");
      assertThat(DeadLetters.header(dead.headers(), DeadLetters.EXCEPTION))
          .isEqualTo("io.wnd.schemas.wire.WireFormatException");
      assertThat(DeadLetters.header(dead.headers(), DeadLetters.MESSAGE)).contains("not Avro single-object encoding");
      assertThat(dlq.isEmpty()).isTrue();
      assertThat(deadLetters.counts()).containsEntry("BAD_HEADER", 1L);
    }
  }
}

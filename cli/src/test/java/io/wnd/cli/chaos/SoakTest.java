package io.wnd.cli.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which of the broker's ERROR lines the soak counts as retried appends rather than errors. */
class SoakTest {
  private static final String APPEND =
      "23:22:08.670 ERROR k.s.ReplicaManager - [ReplicaManager broker=1] Error processing append operation on "
          + "partition zW6wRbQrRS2nnlrpwCuygg:wnd.scores-2";

  @Test
  void shouldCountEveryOutOfOrderSequenceRefusalOfAnAppendAsRetried() {
    // the texts of the broker's ProducerAppendInfo.checkSequence (Kafka 4.3)
    for (String text : new String[] {
        "Invalid sequence number for producer 0 at offset 2 in partition wnd.scores-2: 3 (incoming seq. number). "
            + "Expected sequence 0 for transactions v2 idempotent producer with no existing state.",
        "Out of order sequence number for producer 0 at offset 5 in partition wnd.scores-2: 4 (incoming seq. number), "
            + "2 (current end sequence number)",
        "Out of order sequence number for producer 0 at offset 5 in partition wnd.scores-2: 4 (incoming seq. number), "
            + "1 (earliest seen sequence)"}) {
      assertThat(Soak.retriedAppend(APPEND, "org.apache.kafka.common.errors.OutOfOrderSequenceException: " + text))
          .as(text).isTrue();
    }
  }

  @Test
  void shouldCountAnyOtherErrorAsAnError() {
    assertThat(Soak.retriedAppend(APPEND, "org.apache.kafka.common.errors.CorruptRecordException: bad CRC")).isFalse();
    assertThat(Soak.retriedAppend(APPEND, "")).isFalse();
    assertThat(Soak.retriedAppend("23:22:08.670 ERROR o.a.k.s.KafkaStreams - stream-client [x] Encountered the "
        + "following exception", "org.apache.kafka.common.errors.OutOfOrderSequenceException: x")).isFalse();
  }
}

package io.wnd.state.version;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class QualityGateTest {
  private final QualityGate gate = new QualityGate(0.01);

  @Test
  void shouldHoldAVersionWhoseLogLossRisesByMoreThanTheMargin() {
    assertThat(gate.holdReason(Map.of("logloss", 0.50), Map.of("logloss", 0.52)))
        .contains("0.52000").contains("0.50000");
    assertThat(gate.holdReason(Map.of("logloss", 0.50), Map.of("logloss", 0.505))).isNull();
    assertThat(gate.holdReason(Map.of("logloss", 0.50), Map.of("logloss", 0.40))).isNull();
  }

  @Test
  void shouldPassWhenEitherManifestLacksLogLossOrTheVersionIsARollbackOrTheGateIsDisabled() {
    assertThat(gate.holdReason(null, Map.of("logloss", 9.0))).as("first version").isNull();
    assertThat(gate.holdReason(Map.of(), Map.of("logloss", 9.0))).isNull();
    assertThat(gate.holdReason(Map.of("logloss", 0.5), Map.of())).isNull();
    assertThat(gate.holdReason(Map.of("logloss", 0.5), Map.of("logloss", Double.NaN))).isNull();
    assertThat(gate.holdReason(Map.of("logloss", 0.5), Map.of("logloss", 0.9, Rollback.ROLLED_BACK_FROM, 1.0))).isNull();
    assertThat(QualityGate.disabled().holdReason(Map.of("logloss", 0.5), Map.of("logloss", 0.9))).isNull();
    assertThat(new QualityGate(0).holdReason(Map.of("logloss", 0.5), Map.of("logloss", 0.5000001))).isNotNull();
  }

  @Test
  void shouldParseTheControlKeySoItIsNeverJunk() {
    ModelRecords.Key k = ModelRecords.parse(ModelRecords.controlKey("ctr"));
    assertThat(k.kind()).isEqualTo('c');
    assertThat(k.model()).isEqualTo("ctr");
  }
}

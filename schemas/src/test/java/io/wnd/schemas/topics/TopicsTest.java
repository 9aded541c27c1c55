package io.wnd.schemas.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TopicsTest {
  @Test
  void shouldNameTopicsWithThePrefix() {
    Topics t = Topics.defaults();
    assertThat(t.all()).extracting(t::name).containsExactly("wnd.impressions", "wnd.clicks", "wnd.scores",
        "wnd.examples", "wnd.models", "wnd.dead-letter", "wnd.schemas");
    assertThat(new Topics("test1.", 2).name(Topics.MODELS)).isEqualTo("test1.models");
  }

  @Test
  void shouldCompactModelsAndSchemasWithAnExplicitMaxMessageSize() {
    Topics t = Topics.defaults();
    assertThat(t.configs(Topics.MODELS)).containsEntry("cleanup.policy", "compact")
        .containsEntry("max.message.bytes", "4194304");
    assertThat(t.configs(Topics.SCHEMAS)).containsEntry("cleanup.policy", "compact");
    assertThat(t.configs(Topics.IMPRESSIONS)).containsEntry("cleanup.policy", "delete");
    assertThat(t.partitions(Topics.MODELS)).isEqualTo(1);
    assertThat(new Topics("x.", 3).partitions(Topics.SCORES)).isEqualTo(3);
  }

  @Test
  void shouldRefuseABadPrefixOrPartitionCountNamingTheValue() {
    assertThatThrownBy(() -> new Topics("bad prefix", 1)).hasMessageContaining("'bad prefix'");
    assertThatThrownBy(() -> new Topics("ok.", 0)).hasMessageContaining("invalid partition count 0");
  }
}

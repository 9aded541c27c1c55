package io.wnd.cli;

import static io.wnd.cli.WndIT.wnd;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What a user sees when {@code wnd demo} is asked for help or given bad arguments (nothing is started). */
class DemoCommandTest {

  @Test
  void shouldDescribeTheDemoAndItsLabelSettingsInTheHelp() {
    WndIT.Result r = wnd("demo", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("--duration").contains("--rate").contains("--data").contains("--report")
        .contains("--attribution-window").contains("default: 5s").contains("exp:1s:4s");
  }

  @Test
  void shouldExitTwoWithTheOptionNamedOnABadDuration() {
    WndIT.Result r = wnd("demo", "--duration", "garbage");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--duration 'garbage': use e.g. 30s, 10m, 1h").doesNotContain("\tat ");

    WndIT.Result zero = wnd("demo", "--duration", "0s");
    assertThat(zero.code()).isEqualTo(2);
    assertThat(zero.err()).contains("--duration '0s': must be > 0");

    WndIT.Result rate = wnd("demo", "--rate", "0");
    assertThat(rate.code()).isEqualTo(2);
    assertThat(rate.err()).contains("--rate must be > 0");

    WndIT.Result delay = wnd("demo", "--click-delay", "sometimes");
    assertThat(delay.code()).isEqualTo(2);
    assertThat(delay.err()).contains("sometimes");
  }

  @Test
  void shouldExitOneWithOneLineWhenADataFileIsMissing() {
    WndIT.Result r = wnd("demo", "--data", "no/such/file.tsv");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("wnd demo: error: no/such/file.tsv: no such file").doesNotContain("\tat ");
    assertThat(r.out()).isEmpty();
  }
}

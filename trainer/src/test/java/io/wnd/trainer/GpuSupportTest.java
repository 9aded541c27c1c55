package io.wnd.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.wnd.trainer.GpuSupport.ComputeCapability;
import io.wnd.trainer.GpuSupport.Decision;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The backend decision from nvidia-smi's compute capabilities, against NVIDIA's published table by hand. */
class GpuSupportTest {

  @ParameterizedTest(name = "{0} ({1}): supported = {2}")
  @CsvSource({
      // kernels 3.7, 5.0, 5.2, 6.0, 6.1, 7.0, 7.5, 8.0, 8.6; machine code for X.y runs on X.z with z >= y
      "3.5, Kepler K20, false",
      "3.7, Kepler K80, true",
      "5.0, Maxwell GTX 750, true",
      "5.3, Maxwell Jetson Nano, true",
      "6.0, Pascal P100, true",
      "6.2, Pascal Jetson TX2, true",
      "7.0, Volta V100, true",
      "7.2, Volta Xavier, true",
      "7.5, Turing T4, true",
      "8.0, Ampere A100, true",
      "8.6, Ampere A10, true",
      "8.7, Ampere Orin, true",
      "8.9, Ada L4, true",
      "9.0, Hopper H100 and H200, false",
      "10.0, Blackwell B200, false",
      "12.0, Blackwell RTX 5090, false",
      "2.1, Fermi, false"})
  void shouldTellWhichGpusTheCudaKernelsRunOn(String cc, String gpu, boolean supported) {
    ComputeCapability c = GpuSupport.parse(cc).orElseThrow();
    assertThat(GpuSupport.supported(c)).as(gpu).isEqualTo(supported);
    assertThat(GpuSupport.decide(List.of(c))).isEqualTo(supported ? Decision.GPU : Decision.CPU_UNSUPPORTED_GPU);
  }

  @Test
  void shouldParseNvidiaSmiOutputAndSkipWhatIsNotACapability() {
    assertThat(GpuSupport.parse(" 9.0 ")).contains(new ComputeCapability(9, 0));
    assertThat(GpuSupport.parse("12.0")).contains(new ComputeCapability(12, 0));
    assertThat(GpuSupport.parse("[N/A]")).isEmpty();
    assertThat(GpuSupport.parse("9")).isEmpty();
    assertThat(GpuSupport.parse("")).isEmpty();
    assertThat(GpuSupport.parse(null)).isEmpty();
    assertThat(GpuSupport.parseAll("9.0\n8.6\r\n")).containsExactly(new ComputeCapability(9, 0),
        new ComputeCapability(8, 6));
    assertThat(GpuSupport.parseAll("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."))
        .isEmpty();
  }

  @Test
  void shouldDecideByTheFirstGpuAsNd4jUsesIt() {
    assertThat(GpuSupport.decide(List.of())).isEqualTo(Decision.CPU_NO_GPU);
    assertThat(GpuSupport.decide(GpuSupport.parseAll("8.6\n9.0"))).isEqualTo(Decision.GPU);
    assertThat(GpuSupport.decide(GpuSupport.parseAll("9.0\n8.6"))).isEqualTo(Decision.CPU_UNSUPPORTED_GPU);
  }

  @Test
  void shouldPrintOneWordForTheLauncher() {
    assertThat(launcher("9.0")).isEqualTo("cpu-unsupported-gpu 9.0");
    assertThat(launcher("8.9\n8.9")).isEqualTo("gpu");
    assertThat(launcher("")).isEqualTo("cpu-no-gpu");
    assertThat(GpuSupport.unsupportedMessage("9.0")).contains("compute capability 9.0").contains("3.7-8.6")
        .doesNotContain("\n");
  }

  private static String launcher(String nvidiaSmi) {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      GpuSupport.main(new String[] {nvidiaSmi});
    } finally {
      System.setOut(old);
    }
    return buf.toString(StandardCharsets.UTF_8).trim();
  }
}

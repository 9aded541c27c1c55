package io.wnd.cli;

import static io.wnd.cli.WndIT.wnd;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer's backend at start, in its own JVM (the backend is chosen once per JVM, from the environment): on the
 * CPU it trains and says so; told by the launcher that the GPU has no kernels (WND_GPU_UNSUPPORTED, as ./wnd sets it
 * on compute capability 9.0) it says so in one line and trains on the CPU, or refuses under --require-gpu.
 */
class BackendIT {
  private final ObjectMapper mapper = new ObjectMapper();

  @Test
  void shouldTrainOnTheCpuAndSayWhyOrRefuseWhenAGpuIsRequired(@TempDir Path dir) throws Exception {
    Path rows = dir.resolve("rows.tsv");
    assertThat(wnd("generate", "--count", "600", "--output", rows.toString()).code()).isZero();

    Run hopper = fit(dir, rows, Map.of("WND_GPU_UNSUPPORTED", "9.0"), "--json");
    assertThat(hopper.code).as(hopper.err).isZero();
    JsonNode backend = mapper.readTree(hopper.lastLine()).get("backend");
    assertThat(backend.get("cpu").asBoolean()).isTrue();
    assertThat(backend.get("backend").asText()).isEqualTo("CpuBackend");
    assertThat(backend.get("unsupported_gpu").asText()).isEqualTo("9.0");
    assertThat(hopper.err.lines().filter(l -> l.contains("training on the CPU backend: the GPU has compute capability 9.0"))
        .count()).as(hopper.err).isEqualTo(1);

    Run required = fit(dir, rows, Map.of("WND_GPU_UNSUPPORTED", "9.0"), "--require-gpu");
    assertThat(required.code).isEqualTo(1);
    assertThat(required.err).contains("wnd fit: error: --require-gpu: the GPU has compute capability 9.0")
        .contains("3.7-8.6").doesNotContain("\tat ");

    Run noGpu = fit(dir, rows, Map.of(), "--require-gpu");
    assertThat(noGpu.code).isEqualTo(1);
    assertThat(noGpu.err).contains("wnd fit: error: --require-gpu: ND4J runs on the CPU backend").doesNotContain("\tat ");

    Run plain = fit(dir, rows, Map.of(), "--json");
    assertThat(plain.code).as(plain.err).isZero();
    JsonNode b = mapper.readTree(plain.lastLine()).get("backend");
    assertThat(b.get("cpu").asBoolean()).isTrue();
    assertThat(b.has("unsupported_gpu")).isFalse();
  }

  private record Run(int code, String out, String err) {
    String lastLine() {
      String[] lines = out.strip().split("\n");
      return lines[lines.length - 1];
    }
  }

  private static Run fit(Path dir, Path rows, Map<String, String> env, String... extra) throws IOException,
      InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        Path.of("target", "wnd.jar").toAbsolutePath().toString(), "fit", "--input", rows.toString(), "--rejects",
        dir.resolve("rejects.tsv").toString()));
    cmd.addAll(List.of(extra));
    Path out = Files.createTempFile(dir, "out-", ".txt");
    Path err = Files.createTempFile(dir, "err-", ".txt");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("OMP_NUM_THREADS", "1");
    pb.environment().remove("WND_GPU_UNSUPPORTED");
    pb.environment().putAll(env);
    Process p = pb.start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
  }
}

package io.wnd.cli;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code wnd bench}: benchmarks on a real broker. */
@Command(name = "bench", mixinStandardHelpOptions = true, usageHelpWidth = 110,
    description = {"Benchmarks on a real broker (started locally unless -b names one). Numbers, not assertions.", ""},
    subcommands = {BenchIngestCommand.class, BenchVersionsCommand.class, BenchTrainCommand.class, BenchScoreCommand.class})
final class BenchCommand {

  private BenchCommand() {
  }

  /**
   * This JVM's heap, as the benches report it: initial and maximum size, whether it is touched at start
   * ({@code -XX:+AlwaysPreTouch}), and whether it is fixed (both).
   */
  static Map<String, Object> heap() {
    MemoryUsage u = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    boolean preTouched = ManagementFactory.getRuntimeMXBean().getInputArguments().contains("-XX:+AlwaysPreTouch");
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("initial_mb", u.getInit() >> 20);
    m.put("max_mb", u.getMax() >> 20);
    m.put("pre_touched", preTouched);
    m.put("fixed", u.getInit() == u.getMax() && preTouched);
    return m;
  }
}

package io.wnd.cli;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
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

  /**
   * Deletes what a bench run left on a cluster named by -b: the topics whose names start with its prefix, and, given
   * a Kafka Streams application id, that application's internal topics (named after it) and its consumer group. The
   * transactional ids expire on their own ({@code transactional.id.expiration.ms}). A failure is reported on
   * {@code err}, not thrown: the measurement stands.
   *
   * @param client        the cluster's client settings
   * @param prefix        the prefix of the run's topic names
   * @param applicationId a Kafka Streams application id of the run, or null
   * @param err           where to report
   */
  static void deleteRun(Map<String, Object> client, String prefix, String applicationId, PrintWriter err) {
    String what = prefix + "*" + (applicationId == null ? "" : ", " + applicationId + "-*");
    try (Admin admin = Admin.create(client)) {
      List<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
          .filter(n -> n.startsWith(prefix) || (applicationId != null && n.startsWith(applicationId + "-")))
          .sorted().toList();
      admin.deleteTopics(names).all().get(60, TimeUnit.SECONDS);
      if (applicationId != null) {
        try {
          // the scorer leaves its group when it closes; one that could not close in time is still in it
          boolean members = !admin.describeConsumerGroups(List.of(applicationId)).all().get(30, TimeUnit.SECONDS)
              .get(applicationId).members().isEmpty();
          if (members) {
            admin.removeMembersFromConsumerGroup(applicationId, new RemoveMembersFromConsumerGroupOptions()).all()
                .get(30, TimeUnit.SECONDS);
          }
          admin.deleteConsumerGroups(List.of(applicationId)).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof GroupIdNotFoundException)) {
            throw e;
          }
        }
      }
      err.printf(Locale.ROOT, "bench: deleted this run's %d topics (%s)%s from the cluster%n", names.size(), what,
          applicationId == null ? "" : " and the consumer group " + applicationId);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      err.printf(Locale.ROOT, "bench: warning: could not delete this run's topics (%s)%s: %s%n", what,
          applicationId == null ? "" : " or the consumer group " + applicationId, cause.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    err.flush();
  }
}

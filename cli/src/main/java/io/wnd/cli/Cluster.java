package io.wnd.cli;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.KafkaException;

/** A fast, clear failure when no cluster answers, instead of a client timing out deep inside a call. */
final class Cluster {
  private static final int TIMEOUT_SECONDS = 10;

  private Cluster() {}

  static void requireReachable(Admin admin, String bootstrapServers) {
    try {
      admin.describeCluster(new DescribeClusterOptions().timeoutMs(TIMEOUT_SECONDS * 1000)).clusterId()
          .get(TIMEOUT_SECONDS + 1, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new KafkaException("no Kafka cluster answered at " + bootstrapServers + " within " + TIMEOUT_SECONDS
          + " s (is a broker running? start one with: ./wnd kafka)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("interrupted", e);
    }
  }
}

package io.wnd.schemas.topics;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** Creates the registry's topics idempotently and checks existing ones against it. */
public final class TopicAdmin {
  private static final long TIMEOUT_SECONDS = 30;
  private final Admin admin;
  private final Topics topics;
  private final short replicationFactor;

  /**
   * @param admin a connected admin client (not closed by this class)
   * @param topics the registry
   * @param replicationFactor replication of new topics; -1 takes the broker's default
   */
  public TopicAdmin(Admin admin, Topics topics, short replicationFactor) {
    this.admin = admin;
    this.topics = topics;
    this.replicationFactor = replicationFactor;
  }

  /** What {@link #create} did with one topic. */
  public enum Outcome {
    /** It did not exist and was created. */
    CREATED,
    /** It existed with the right cleanup policy and configs. */
    EXISTS,
    /** It exists but differs from the registry; see the problems. */
    MISMATCH
  }

  /**
   * The state of one topic.
   *
   * @param name full topic name
   * @param outcome what happened or was found
   * @param partitions its partition count
   * @param cleanupPolicy its {@code cleanup.policy}
   * @param maxMessageBytes its {@code max.message.bytes}
   * @param problems how it differs from the registry; empty when it matches
   */
  public record Status(String name, Outcome outcome, int partitions, String cleanupPolicy, long maxMessageBytes,
      List<String> problems) {}

  /**
   * Creates every missing topic and checks every existing one. Existing topics are never altered: a
   * mismatch is reported for a person to decide.
   *
   * @return one status per topic, in registry order
   * @throws KafkaException if the cluster cannot be reached
   */
  public List<Status> create() {
    Map<String, TopicDef> byName = new HashMap<>();
    List<NewTopic> wanted = new ArrayList<>();
    for (TopicDef def : topics.all()) {
      String name = topics.name(def);
      byName.put(name, def);
      wanted.add(new NewTopic(name, java.util.Optional.of(topics.partitions(def)),
          replicationFactor > 0 ? java.util.Optional.of(replicationFactor) : java.util.Optional.empty())
          .configs(topics.configs(def)));
    }
    Set<String> created = new java.util.HashSet<>();
    Map<String, KafkaFuture<Void>> results = admin.createTopics(wanted).values();
    for (var e : results.entrySet()) {
      try {
        e.getValue().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        created.add(e.getKey());
      } catch (ExecutionException ex) {
        if (!(ex.getCause() instanceof TopicExistsException)) {
          throw new KafkaException("cannot create topic " + e.getKey() + ": " + ex.getCause().getMessage(), ex);
        }
      } catch (TimeoutException ex) {
        throw new KafkaException("timed out creating topic " + e.getKey() + " after " + TIMEOUT_SECONDS + " s", ex);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        throw new KafkaException("interrupted", ex);
      }
    }
    // A new topic reaches the brokers' metadata a moment after the controller created it: describe until
    // every topic is visible (bounded), so a fresh create never reports its own topics as missing.
    List<Status> described = describe();
    // ...and until every partition has a leader: a producer that writes to a partition whose leadership is still
    // moving in can see NOT_LEADER_OR_FOLLOWER and then out-of-order sequence errors on its retries.
    for (int attempt = 0; attempt < 40 && (described.stream().anyMatch(s -> s.problems().contains("does not exist"))
        || !allLed(created)); attempt++) {
      try {
        Thread.sleep(250);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        throw new KafkaException("interrupted", ex);
      }
      described = describe();
    }
    List<Status> out = new ArrayList<>();
    for (Status s : described) {
      out.add(created.contains(s.name()) && s.outcome() == Outcome.EXISTS
          ? new Status(s.name(), Outcome.CREATED, s.partitions(), s.cleanupPolicy(), s.maxMessageBytes(), s.problems())
          : s);
    }
    return out;
  }

  /**
   * Describes every topic of the registry as it is on the cluster.
   *
   * @return one status per topic, in registry order; a missing topic is a {@link Outcome#MISMATCH}
   *     with the problem "does not exist"
   */
  public List<Status> describe() {
    List<String> names = topics.all().stream().map(topics::name).toList();
    Map<String, TopicDescription> descriptions = new HashMap<>();
    for (var e : admin.describeTopics(names).topicNameValues().entrySet()) {
      try {
        descriptions.put(e.getKey(), e.getValue().get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
      } catch (ExecutionException ex) {
        if (!(ex.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw new KafkaException("cannot describe topic " + e.getKey() + ": " + ex.getCause().getMessage(), ex);
        }
      } catch (TimeoutException ex) {
        throw new KafkaException("timed out describing topics after " + TIMEOUT_SECONDS + " s", ex);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        throw new KafkaException("interrupted", ex);
      }
    }
    Map<String, Config> configs = configsOf(descriptions.keySet());
    List<Status> out = new ArrayList<>();
    for (TopicDef def : topics.all()) {
      String name = topics.name(def);
      TopicDescription d = descriptions.get(name);
      if (d == null) {
        out.add(new Status(name, Outcome.MISMATCH, 0, "", 0, List.of("does not exist")));
        continue;
      }
      Config c = configs.get(name);
      String policy = value(c, TopicConfig.CLEANUP_POLICY_CONFIG);
      long maxBytes = Long.parseLong(value(c, TopicConfig.MAX_MESSAGE_BYTES_CONFIG));
      List<String> problems = new ArrayList<>();
      for (var want : topics.configs(def).entrySet()) {
        String have = value(c, want.getKey());
        boolean checked = want.getKey().equals(TopicConfig.CLEANUP_POLICY_CONFIG)
            || want.getKey().equals(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
        if (checked && !want.getValue().equals(have)) {
          problems.add(want.getKey() + " is " + have + ", expected " + want.getValue());
        }
      }
      out.add(new Status(name, problems.isEmpty() ? Outcome.EXISTS : Outcome.MISMATCH, d.partitions().size(), policy,
          maxBytes, List.copyOf(problems)));
    }
    return out;
  }

  private boolean allLed(Set<String> names) {
    if (names.isEmpty()) {
      return true;
    }
    try {
      Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> partitions = new HashMap<>();
      for (TopicDescription d : admin.describeTopics(names).allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS)
          .values()) {
        if (d.partitions().stream().anyMatch(p -> p.leader() == null || p.leader().id() < 0)) {
          return false;
        }
        d.partitions().forEach(p -> partitions.put(new org.apache.kafka.common.TopicPartition(d.name(), p.partition()),
            org.apache.kafka.clients.admin.OffsetSpec.latest()));
      }
      // the metadata names a leader a moment before that broker's replica manager acts as one: a ListOffsets,
      // which only the leader's replica manager answers, says the partition takes writes now
      admin.listOffsets(partitions).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      return true;
    } catch (ExecutionException | TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("interrupted", e);
    }
  }

  private Map<String, Config> configsOf(Collection<String> names) {
    List<ConfigResource> resources = names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
    try {
      Map<String, Config> out = new HashMap<>();
      admin.describeConfigs(resources).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS)
          .forEach((r, c) -> out.put(r.name(), c));
      return out;
    } catch (ExecutionException | TimeoutException e) {
      throw new KafkaException("cannot read topic configs: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("interrupted", e);
    }
  }

  private static String value(Config c, String key) {
    ConfigEntry e = c == null ? null : c.get(key);
    return e == null || e.value() == null ? "" : e.value();
  }
}

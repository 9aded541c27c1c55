package io.wnd.state.version;

import io.wnd.avro.ModelControl;
import io.wnd.avro.ModelRecord;
import io.wnd.schemas.topics.Topics;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code wnd versions pin|unpin}: the control record {@code <model>/control} on the models topic, which every
 * scorer following the topic obeys (see {@link VersionReader}). Compaction keeps only the latest one.
 */
public final class ModelControls {
  private ModelControls() {}

  /**
   * The pin in force.
   *
   * @param pinnedVersion the pinned version, null when not pinned
   * @param by who wrote it
   * @param atMillis when
   * @param reason why, or null
   */
  public record Control(Long pinnedVersion, String by, long atMillis, String reason) {}

  /**
   * Pins every scorer of a model to a version: they keep serving it and hold later ones back until unpinned.
   *
   * @param clientConfig Kafka client settings
   * @param topics the registry
   * @param model the model
   * @param version the version, or null for the latest
   * @param by who pins
   * @param reason why, or null
   * @return the control record written
   * @throws IllegalArgumentException with a one-line message if the model has no versions, {@code version} is not
   *     one of them, or it is older than the version scorers serve (the pin in force, else the latest): a pin
   *     cannot go back, a rollback can; or, while pinned, it lies between the pinned version and the latest
   */
  public static Control pin(Map<String, Object> clientConfig, Topics topics, String model, Long version, String by,
      String reason) {
    Manifests.Listing l = Manifests.read(clientConfig, topics, model);
    List<Long> versions = l.versions().stream().map(VersionInfo::version).toList();
    if (versions.isEmpty()) {
      throw new IllegalArgumentException("model " + model + " has no versions to pin");
    }
    long latest = versions.get(versions.size() - 1);
    long v = version == null ? latest : version;
    if (!versions.contains(v)) {
      throw new IllegalArgumentException("model " + model + " has no version " + v + " (versions: " + versions + ")");
    }
    Long pinnedNow = l.control() == null ? null : l.control().pinnedVersion();
    long servedNow = pinnedNow != null ? pinnedNow : latest;
    if (v < servedNow) {
      throw new IllegalArgumentException("v" + v + " is older than v" + servedNow + ", the version scorers serve"
          + (pinnedNow != null ? " (pinned)" : " (the latest)") + ": a pin cannot go back; use wnd versions rollback "
          + v + " (then pin the version it publishes)");
    }
    if (pinnedNow != null && v > pinnedNow && v < latest) {
      // a running scorer holds v(pinned+1)..latest back as one chain and can only release all of it
      throw new IllegalArgumentException("v" + v + " lies between the pinned v" + pinnedNow + " and the latest v"
          + latest + ": scorers hold the versions after a pin back together and can move only to the latest; pin v"
          + latest + " (or unpin)");
    }
    return write(clientConfig, topics, model, v, by, reason);
  }

  /**
   * Lifts the pin: scorers apply the versions they held back (folded into one swap) and follow again.
   *
   * @param clientConfig Kafka client settings
   * @param topics the registry
   * @param model the model
   * @param by who unpins
   * @param reason why, or null
   * @return the control record written
   * @throws IllegalArgumentException if the model has neither versions nor a control record (e.g. a misspelt name)
   */
  public static Control unpin(Map<String, Object> clientConfig, Topics topics, String model, String by, String reason) {
    Manifests.Listing l = Manifests.read(clientConfig, topics, model);
    if (l.versions().isEmpty() && l.control() == null) {
      throw new IllegalArgumentException("model " + model + " has no versions and no pin on " + topics.name(Topics.MODELS));
    }
    return write(clientConfig, topics, model, null, by, reason);
  }

  private static Control write(Map<String, Object> clientConfig, Topics topics, String model, Long version, String by,
      String reason) {
    Map<String, Object> cfg = new HashMap<>(clientConfig);
    cfg.put(ProducerConfig.ACKS_CONFIG, "all");
    cfg.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    cfg.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
    long now = System.currentTimeMillis();
    ModelControl c = ModelControl.newBuilder().setPinnedVersion(version).setBy(by).setAt(Instant.ofEpochMilli(now))
        .setReason(reason).build();
    String topic = topics.name(Topics.MODELS);
    byte[] value = Topics.serdes(null).models().serialize(topic, new ModelRecord(c));
    try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(cfg, new StringSerializer(), new ByteArraySerializer())) {
      p.send(new ProducerRecord<>(topic, ModelRecords.controlKey(model), value)).get();
    } catch (ExecutionException e) {
      throw new KafkaException("cannot write the control record of " + model + " to " + topic + ": "
          + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("interrupted writing the control record of " + model, e);
    }
    return new Control(version, by, now, reason);
  }
}

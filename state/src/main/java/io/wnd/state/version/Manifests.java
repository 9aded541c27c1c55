package io.wnd.state.version;

import io.wnd.avro.ModelManifest;
import io.wnd.avro.ModelRecord;
import io.wnd.schemas.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Lists the versions of a model from the manifests on the models topic (every version keeps its own key). */
public final class Manifests {
  private Manifests() {}

  /**
   * @param clientConfig Kafka client settings
   * @param topics the registry
   * @param model the model
   * @return its committed versions, oldest first
   * @throws KafkaException if the topic is missing or cannot be read within a minute
   */
  public static List<VersionInfo> list(Map<String, Object> clientConfig, Topics topics, String model) {
    return read(clientConfig, topics, model).versions();
  }

  /**
   * What the topic says of a model.
   *
   * @param versions its committed versions, oldest first
   * @param control the latest control record (the pin), or null if none was ever written
   */
  public record Listing(List<VersionInfo> versions, ModelControls.Control control) {}

  /**
   * @param clientConfig Kafka client settings
   * @param topics the registry
   * @param model the model
   * @return its versions and its control record
   * @throws KafkaException if the topic is missing or cannot be read within a minute
   */
  public static Listing read(Map<String, Object> clientConfig, Topics topics, String model) {
    Map<String, Object> cfg = new HashMap<>(clientConfig);
    cfg.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    cfg.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    cfg.remove(ConsumerConfig.GROUP_ID_CONFIG);
    cfg.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 2 * Topics.MODELS_MAX_MESSAGE_BYTES);
    String topic = topics.name(Topics.MODELS);
    String prefix = model + "/m/";
    var serde = Topics.serdes(null).models();
    String controlKey = ModelRecords.controlKey(model);
    ModelControls.Control control = null;
    List<VersionInfo> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(cfg, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(30));
      if (infos == null || infos.isEmpty()) {
        throw new KafkaException("models topic " + topic + " does not exist (create it: ./wnd topics create)");
      }
      List<TopicPartition> parts = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
      long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new KafkaException("models topic " + topic + " not read to its end within a minute");
        }
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
          if (controlKey.equals(r.key())) {
            if (r.value() == null) {
              control = null;
            } else if (serde.deserialize(topic, r.value()).getPart() instanceof io.wnd.avro.ModelControl mc) {
              control = new ModelControls.Control(mc.getPinnedVersion(), mc.getBy(), mc.getAt().toEpochMilli(),
                  mc.getReason());
            }
            continue;
          }
          if (r.key() != null && r.key().startsWith(prefix) && r.value() != null) {
            ModelRecord rec = serde.deserialize(topic, r.value());
            if (rec.getPart() instanceof ModelManifest m) {
              Map<Integer, Long> consumed = new java.util.TreeMap<>();
              m.getConsumed().forEach(o -> consumed.put(o.getPartition(), o.getOffset()));
              out.add(new VersionInfo(m.getModel(), m.getVersion(), m.getParent(), m.getCreatedAt().toEpochMilli(),
                  m.getExamplesSeen(), Map.copyOf(m.getMetrics()), m.getBytes(), m.getSparseBlocks(), r.offset(),
                  consumed));
            }
          }
        }
      }
    }
    out.sort(Comparator.comparingLong(VersionInfo::version));
    return new Listing(out, control);
  }
}

package io.wnd.schemas.topics;

import io.wnd.avro.Click;
import io.wnd.avro.Impression;
import io.wnd.avro.LabelledExample;
import io.wnd.avro.ModelRecord;
import io.wnd.avro.Score;
import io.wnd.schemas.wire.AvroSerde;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.avro.message.SchemaStore;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The registry of topics (DESIGN §2): every name, partition count, cleanup policy, config and serde
 * comes from here. Immutable; build one per app from its configuration.
 */
public final class Topics {
  /** The default name prefix. */
  public static final String DEFAULT_PREFIX = "wnd.";
  /** The default partition count of the data topics. */
  public static final int DEFAULT_PARTITIONS = 6;
  /**
   * The largest record on the models topic, in bytes (4 MiB); dense weights are chunked under it and
   * producers of model records set {@code max.request.size} to it.
   */
  public static final int MODELS_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

  /** Ad impressions to score. Key: impression id; value: {@link Impression}. */
  public static final TopicDef IMPRESSIONS = new TopicDef("impressions", 0, false, Map.of(),
      "ad impressions to score (key: impression id, value: Impression)");
  /** Clicks on impressions. Key: impression id; value: {@link Click}. */
  public static final TopicDef CLICKS = new TopicDef("clicks", 0, false, Map.of(),
      "clicks on impressions (key: impression id, value: Click)");
  /** Scores of impressions. Key: impression id; value: {@link Score}. */
  public static final TopicDef SCORES = new TopicDef("scores", 0, false, Map.of(),
      "scores of impressions (key: impression id, value: Score)");
  /** Labelled examples from the join. Key: impression id; value: {@link LabelledExample}. */
  public static final TopicDef EXAMPLES = new TopicDef("examples", 0, false, Map.of(),
      "labelled examples for the trainer (key: impression id, value: LabelledExample)");
  /**
   * Model versions: compacted, so the topic is the full current model. One partition, so a version's
   * records and its manifest are read in the order they were written.
   */
  public static final TopicDef MODELS = new TopicDef("models", 1, true, Map.of(
      TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(MODELS_MAX_MESSAGE_BYTES),
      TopicConfig.SEGMENT_MS_CONFIG, Long.toString(3_600_000L),
      TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, "0.25"),
      "model versions: manifests, dense chunks, sparse blocks (key: model + part, value: ModelRecord)");
  /** Bad input with the original bytes and headers naming where and why. */
  public static final TopicDef DEAD_LETTER = new TopicDef("dead-letter", 1, false, Map.of(
      TopicConfig.RETENTION_MS_CONFIG, Long.toString(14L * 24 * 3_600_000L)),
      "records that could not be processed: original key and bytes, headers say where and why");
  /** Writer schemas by fingerprint, compacted. */
  public static final TopicDef SCHEMAS = new TopicDef("schemas", 1, true, Map.of(),
      "Avro writer schemas (key: 16-hex-digit fingerprint, value: schema JSON)");

  private static final List<TopicDef> ALL = List.of(IMPRESSIONS, CLICKS, SCORES, EXAMPLES, MODELS, DEAD_LETTER, SCHEMAS);
  private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]*");

  private final String prefix;
  private final int defaultPartitions;

  /**
   * @param prefix prefix of every topic name (letters, digits, '.', '_', '-'; may be empty)
   * @param defaultPartitions partitions of the data topics, at least 1
   * @throws IllegalArgumentException naming the bad value
   */
  public Topics(String prefix, int defaultPartitions) {
    if (prefix == null || !LEGAL.matcher(prefix).matches() || prefix.length() > 200) {
      throw new IllegalArgumentException("invalid topic prefix '" + prefix
          + "': use letters, digits, '.', '_' and '-' (at most 200)");
    }
    if (defaultPartitions < 1) {
      throw new IllegalArgumentException("invalid partition count " + defaultPartitions + ": must be at least 1");
    }
    this.prefix = prefix;
    this.defaultPartitions = defaultPartitions;
  }

  /** @return the registry with the default prefix and partition count */
  public static Topics defaults() {
    return new Topics(DEFAULT_PREFIX, DEFAULT_PARTITIONS);
  }

  /** @return every topic, in the order of the design's table */
  public List<TopicDef> all() {
    return ALL;
  }

  /** @return the prefix of every name */
  public String prefix() {
    return prefix;
  }

  /**
   * @param topic one of this class's constants
   * @return its full name
   */
  public String name(TopicDef topic) {
    return prefix + topic.suffix();
  }

  /**
   * @param topic one of this class's constants
   * @return the partitions it is created with
   */
  public int partitions(TopicDef topic) {
    return topic.partitions() > 0 ? topic.partitions() : defaultPartitions;
  }

  /**
   * @param topic one of this class's constants
   * @return every config it is created with, cleanup policy included
   */
  public Map<String, String> configs(TopicDef topic) {
    var m = new java.util.TreeMap<>(topic.configs());
    m.put(TopicConfig.CLEANUP_POLICY_CONFIG, topic.cleanupPolicy());
    return m;
  }

  /**
   * The serdes of the topics' values, all resolving unknown writer schemas through one store.
   *
   * @param store the schemas topic (or {@code null} for compiled-in schemas only)
   * @return value serdes by type
   */
  public static Serdes serdes(SchemaStore store) {
    return new Serdes(new AvroSerde<>(Impression.class, store), new AvroSerde<>(Click.class, store),
        new AvroSerde<>(Score.class, store), new AvroSerde<>(LabelledExample.class, store),
        new AvroSerde<>(ModelRecord.class, withHistory(store)));
  }

  /** Earlier writer schemas of {@link ModelRecord}, compiled in: the models topic outlives upgrades. */
  private static final Map<Long, org.apache.avro.Schema> MODEL_RECORD_HISTORY = history("ModelRecord-1.avsc");

  private static Map<Long, org.apache.avro.Schema> history(String... resources) {
    Map<Long, org.apache.avro.Schema> m = new java.util.HashMap<>();
    for (String r : resources) {
      try (java.io.InputStream in = Topics.class.getResourceAsStream("/io/wnd/schemas/history/" + r)) {
        if (in == null) {
          throw new IllegalStateException("missing schema resource " + r);
        }
        org.apache.avro.Schema s = new org.apache.avro.Schema.Parser().parse(in);
        m.put(io.wnd.schemas.wire.WireFormat.fingerprint(s), s);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return Map.copyOf(m);
  }

  private static SchemaStore withHistory(SchemaStore store) {
    return fp -> {
      org.apache.avro.Schema s = MODEL_RECORD_HISTORY.get(fp);
      return s != null || store == null ? s : store.findByFingerprint(fp);
    };
  }

  /**
   * The value serdes of the data topics. Keys are UTF-8 strings on every topic but the dead-letter
   * topic, which keeps the original key bytes.
   *
   * @param impressions {@link #IMPRESSIONS}
   * @param clicks {@link #CLICKS}
   * @param scores {@link #SCORES}
   * @param examples {@link #EXAMPLES}
   * @param models {@link #MODELS}
   */
  public record Serdes(AvroSerde<Impression> impressions, AvroSerde<Click> clicks, AvroSerde<Score> scores,
      AvroSerde<LabelledExample> examples, AvroSerde<ModelRecord> models) {}
}

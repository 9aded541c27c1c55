package io.wnd.scorer;

import io.wnd.schemas.topics.Topics;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.spec.SpecException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * The scorer's configuration, in the Kafka {@link ConfigDef} style: every key is a constant with a doc
 * string (unit and default) and a validator, so bad configuration fails at start with an exception naming
 * the key and the value.
 *
 * <p>Kafka client settings pass through by prefix: {@code scorer.client.*} reaches every client (Streams'
 * clients and the model reader; put SASL/SSL settings here), {@code scorer.streams.*} reaches Kafka Streams
 * only (e.g. {@code scorer.streams.num.stream.threads}). Any other key starting with {@code scorer.} that
 * is not defined here is refused.
 */
public final class ScorerConfig extends AbstractConfig {
  /** Prefix of settings passed to every Kafka client. */
  public static final String CLIENT_PREFIX = "scorer.client.";
  /** Prefix of settings passed to Kafka Streams only. */
  public static final String STREAMS_PREFIX = "scorer.streams.";
  /** The scorer's producer's {@code batch.size} unless the user's settings give one (see {@link #streamsConfig}). */
  public static final int PRODUCER_BATCH_BYTES = 256 * 1024;

  /** Kafka bootstrap servers. */
  public static final String BOOTSTRAP_SERVERS_CONFIG = "scorer.bootstrap.servers";
  private static final String BOOTSTRAP_SERVERS_DOC = "Kafka bootstrap servers, host:port[,host:port...]. Default localhost:9092.";

  /** Kafka Streams application id. */
  public static final String APPLICATION_ID_CONFIG = "scorer.application.id";
  private static final String APPLICATION_ID_DOC = "Kafka Streams application.id: instances with the same id share "
      + "the partitions; it prefixes internal topics and the consumer group. Default wnd-scorer.";

  /** Topic name prefix. */
  public static final String TOPIC_PREFIX_CONFIG = "scorer.topic.prefix";
  private static final String TOPIC_PREFIX_DOC = "Prefix of every topic name (DESIGN §2). Default wnd.";

  /** The model to serve. */
  public static final String MODEL_NAME_CONFIG = "scorer.model.name";
  private static final String MODEL_NAME_DOC = "Name of the model to read from the models topic and serve; it is "
      + "stamped in every score. Non-blank, no '/'. Default ctr.";

  /** The feature spec. */
  public static final String SPEC_CONFIG = "scorer.spec";
  private static final String SPEC_DOC = "Feature spec: a built-in name (criteo, criteo-large, census) or the path "
      + "of a spec JSON file. Default criteo.";

  /** Attribution window. */
  public static final String ATTRIBUTION_WINDOW_MS_CONFIG = "scorer.attribution.window.ms";
  private static final String ATTRIBUTION_WINDOW_MS_DOC = "Attribution window in event time, ms: a click at most "
      + "this long after its impression makes a positive. Default 600000 (10 minutes).";

  /** Grace for late records. */
  public static final String ATTRIBUTION_GRACE_MS_CONFIG = "scorer.attribution.grace.ms";
  private static final String ATTRIBUTION_GRACE_MS_DOC = "Grace for late records, ms of event time: an impression's "
      + "window closes (a negative is emitted) when the impressions' event time (the latest impression scored) passes "
      + "impression time + window + grace; a click with no impression is declared an orphan when it passes click time "
      + "+ grace. Clicks do not move that clock: a click read ahead of its impression waits for it. Default 60000.";

  /** How often closed windows are looked for. */
  public static final String JOIN_PUNCTUATE_MS_CONFIG = "scorer.join.punctuate.interval.ms";
  private static final String JOIN_PUNCTUATE_MS_DOC = "How often, in ms of the impressions' event time, the join looks for closed "
      + "windows and orphan clicks. Default 100: the windows that close in one interval are closed together, on the "
      + "stream thread, so a longer interval makes fewer but longer pauses in scoring (at 5,500 impressions/s, 1000 "
      + "gave p99 108 ms and 100 gave 39 ms). 10 lowers the latency of steady traffic further (at 8,000/s the largest "
      + "latency of a typical 100 ms was 15 ms, in two runs, against 24-42 ms with 100, in four) but drained a backlog "
      + "15-20 % slower (three alternated pairs): a look is three range scans of a store and a write of its cursor "
      + "(a changelog record), at most one per impression. See docs/scorer-bench.md.";

  /** How far ahead of the wall clock an event time may be. */
  public static final String EVENT_TIME_MAX_AHEAD_MS_CONFIG = "scorer.event.time.max.ahead.ms";
  private static final String EVENT_TIME_MAX_AHEAD_MS_DOC = "Largest lead, in ms, of an impression's or click's "
      + "event time over the wall clock: a later one goes to the dead-letter topic (reason FutureEventTimeException) "
      + "instead of moving stream time ahead and closing every open window. Keep it plus the attribution window "
      + "under the brokers' message.timestamp.after.max.ms (default 1 hour), which refuses records stamped further "
      + "ahead. Default 900000 (15 minutes).";

  /** Policy before any version. */
  public static final String NO_MODEL_POLICY_CONFIG = "scorer.no.model.policy";
  private static final String NO_MODEL_POLICY_DOC = "What to do with impressions before any model version exists: "
      + "'hold' keeps them in a store and scores them when the first version arrives; 'prior' scores them with "
      + "the base rate (scorer.prior.base.rate) as version 0. Default hold (bounded by scorer.hold.max.impressions).";
  /** Hold impressions until a version arrives. */
  public static final String POLICY_HOLD = "hold";
  /** Score with the prior as version 0. */
  public static final String POLICY_PRIOR = "prior";

  /** Base rate of the prior. */
  public static final String PRIOR_BASE_RATE_CONFIG = "scorer.prior.base.rate";
  private static final String PRIOR_BASE_RATE_DOC = "Click probability served as version 0 under the 'prior' "
      + "policy, and under 'hold' to impressions the full held store cannot take, in (0, 1). Default 0.25.";

  /** How often held impressions are checked. */
  public static final String HOLD_CHECK_MS_CONFIG = "scorer.hold.check.interval.ms";
  private static final String HOLD_CHECK_MS_DOC = "How often, in wall-clock ms, held impressions are scored if a "
      + "version has arrived. Default 200.";

  /** Bound of the held-impressions store. */
  public static final String HOLD_MAX_IMPRESSIONS_CONFIG = "scorer.hold.max.impressions";
  private static final String HOLD_MAX_IMPRESSIONS_DOC = "Under the 'hold' policy, the most impressions one stream "
      + "task (one partition of the impressions topic) keeps while no model version exists; the store is RocksDB "
      + "with a changelog topic, so without a bound a scorer started long before its first version would grow it "
      + "without limit. When it is full, a further impression is not held: it is scored at once with the prior "
      + "(scorer.prior.base.rate) as version 0, exactly as under the 'prior' policy, and counted in "
      + "wnd.scorer.hold.overflow; a WARN is logged when a task's store first fills. 0 holds nothing. "
      + "Default 100000 per task.";

  /** Pin the version. */
  public static final String QUALITY_GATE_CONFIG = "scorer.quality.gate.max.logloss.increase";
  private static final String QUALITY_GATE_DOC = "The quality gate: a version whose manifest's progressive log loss "
      + "exceeds its parent's by more than this many nats is held back (not served; WARN, metric "
      + "wnd_scorer_versions_held_total); a later version that passes against its own parent is applied with the held "
      + "ones folded in. Versions whose manifests (or their parents') lack a log loss, and rollbacks, always pass; "
      + "a cold start serves the latest version. Unit: nats of log loss, >= 0. Default: unset (the gate is disabled).";
  public static final String PIN_CONFIG = "scorer.pin";
  private static final String PIN_DOC = "If true, stay on the version in service at start (or the first one to "
      + "arrive) and apply no later version. Default false.";

  /** Model store directory. */
  public static final String MODEL_DIR_CONFIG = "scorer.model.dir";
  private static final String MODEL_DIR_DOC = "Scratch directory of the RocksDB model store (its content is "
      + "deleted at start: the models topic is the source of truth). Default <java.io.tmpdir>/wnd-scorer-model-<application id>.";

  /** Hot-row cache size. */
  public static final String MODEL_CACHE_ROWS_CONFIG = "scorer.model.cache.rows";

  /** Native memory budget of the Kafka Streams stores. */
  public static final String ROCKSDB_MEMORY_BYTES_CONFIG = "scorer.rocksdb.memory.bytes";
  private static final String ROCKSDB_MEMORY_BYTES_DOC = "Native memory of all Kafka Streams RocksDB stores of the "
      + "JVM together: one shared block cache that also holds their index and filter blocks and, a quarter of it, "
      + "their memtables. 0 leaves each store Kafka Streams' defaults (its own 50 MB cache, 48 MB of memtables, "
      + "indexes outside any cache). A scorer.streams.rocksdb.config.setter replaces it. Default 134217728 (128 MiB).";
  private static final String MODEL_CACHE_ROWS_DOC = "Most sparse rows kept in the model's hot-row cache, on the "
      + "heap: a row takes 12 + 4 x its width bytes (44 for an embedding of 8), times 2 to 4 for the free slots of its "
      + "table (up to about 180 MB for a million such rows). Default 1000000.";

  /** Catch-up timeout. */
  public static final String MODEL_CATCHUP_TIMEOUT_MS_CONFIG = "scorer.model.catchup.timeout.ms";
  private static final String MODEL_CATCHUP_TIMEOUT_MS_DOC = "Longest time, in ms, to read the models topic to its "
      + "end at start (per try; 3 tries). Default 120000.";

  /** HTTP bind address. */
  public static final String HTTP_BIND_CONFIG = "scorer.http.bind";
  private static final String HTTP_BIND_DOC = "Address the HTTP endpoint binds. Default 127.0.0.1 (local only).";

  /** HTTP port. */
  public static final String HTTP_PORT_CONFIG = "scorer.http.port";
  private static final String HTTP_PORT_DOC = "HTTP port; 0 picks a free one; -1 disables HTTP. Default 8080.";

  /** HTTP bearer token. */
  public static final String HTTP_TOKEN_CONFIG = "scorer.http.token";
  private static final String HTTP_TOKEN_DOC = "If set, every HTTP request but GET /health must carry "
      + "'Authorization: Bearer <token>'. Default none.";

  private static final ConfigDef DEF = new ConfigDef()
      .define(BOOTSTRAP_SERVERS_CONFIG, Type.LIST, "localhost:9092", new ConfigDef.NonEmptyString() {
        @Override
        public void ensureValid(String name, Object value) {
          if (value == null || ((java.util.List<?>) value).isEmpty()) {
            throw new ConfigException(name, value, "must name at least one host:port");
          }
        }
      }, Importance.HIGH, BOOTSTRAP_SERVERS_DOC)
      .define(APPLICATION_ID_CONFIG, Type.STRING, "wnd-scorer", pattern("[a-zA-Z0-9._-]+"), Importance.HIGH,
          APPLICATION_ID_DOC)
      .define(TOPIC_PREFIX_CONFIG, Type.STRING, Topics.DEFAULT_PREFIX, pattern("[a-zA-Z0-9._-]*"), Importance.MEDIUM,
          TOPIC_PREFIX_DOC)
      .define(MODEL_NAME_CONFIG, Type.STRING, "ctr", pattern("[^/\\s]+"), Importance.HIGH, MODEL_NAME_DOC)
      .define(SPEC_CONFIG, Type.STRING, FeatureSpec.DEFAULT_BUILTIN, ScorerConfig::validSpec, Importance.HIGH, SPEC_DOC)
      .define(ATTRIBUTION_WINDOW_MS_CONFIG, Type.LONG, 600_000L, Range.atLeast(1), Importance.HIGH,
          ATTRIBUTION_WINDOW_MS_DOC)
      .define(ATTRIBUTION_GRACE_MS_CONFIG, Type.LONG, 60_000L, Range.atLeast(0), Importance.MEDIUM,
          ATTRIBUTION_GRACE_MS_DOC)
      .define(JOIN_PUNCTUATE_MS_CONFIG, Type.LONG, 100L, Range.atLeast(1), Importance.LOW, JOIN_PUNCTUATE_MS_DOC)
      .define(EVENT_TIME_MAX_AHEAD_MS_CONFIG, Type.LONG, ScorerTopology.Settings.DEFAULT_MAX_AHEAD_MS, Range.atLeast(0),
          Importance.LOW, EVENT_TIME_MAX_AHEAD_MS_DOC)
      .define(NO_MODEL_POLICY_CONFIG, Type.STRING, POLICY_HOLD, ValidString.in(POLICY_HOLD, POLICY_PRIOR),
          Importance.MEDIUM, NO_MODEL_POLICY_DOC)
      .define(PRIOR_BASE_RATE_CONFIG, Type.DOUBLE, 0.25, ScorerConfig::validRate, Importance.MEDIUM, PRIOR_BASE_RATE_DOC)
      .define(HOLD_CHECK_MS_CONFIG, Type.LONG, 200L, Range.atLeast(1), Importance.LOW, HOLD_CHECK_MS_DOC)
      .define(HOLD_MAX_IMPRESSIONS_CONFIG, Type.LONG, ScorerTopology.Settings.DEFAULT_HOLD_MAX, Range.atLeast(0),
          Importance.LOW, HOLD_MAX_IMPRESSIONS_DOC)
      .define(PIN_CONFIG, Type.BOOLEAN, false, Importance.MEDIUM, PIN_DOC)
      .define(QUALITY_GATE_CONFIG, Type.DOUBLE, null, (name, v) -> {
        if (v != null && !(((Double) v) >= 0)) {
          throw new org.apache.kafka.common.config.ConfigException(name, v, "must be >= 0 (nats), or unset to disable");
        }
      }, Importance.MEDIUM, QUALITY_GATE_DOC)
      .define(MODEL_DIR_CONFIG, Type.STRING, "", Importance.LOW, MODEL_DIR_DOC)
      .define(MODEL_CACHE_ROWS_CONFIG, Type.INT, 1_000_000, Range.atLeast(0), Importance.LOW, MODEL_CACHE_ROWS_DOC)
      .define(ROCKSDB_MEMORY_BYTES_CONFIG, Type.LONG, io.wnd.scorer.internals.BoundedRocksMemory.DEFAULT_BYTES,
          Range.atLeast(0), Importance.LOW, ROCKSDB_MEMORY_BYTES_DOC)
      .define(MODEL_CATCHUP_TIMEOUT_MS_CONFIG, Type.LONG, 120_000L, Range.atLeast(1), Importance.LOW,
          MODEL_CATCHUP_TIMEOUT_MS_DOC)
      .define(HTTP_BIND_CONFIG, Type.STRING, "127.0.0.1", new ConfigDef.NonEmptyString(), Importance.MEDIUM, HTTP_BIND_DOC)
      .define(HTTP_PORT_CONFIG, Type.INT, 8080, Range.between(-1, 65535), Importance.MEDIUM, HTTP_PORT_DOC)
      .define(HTTP_TOKEN_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, HTTP_TOKEN_DOC);

  private final FeatureSpec spec;

  /**
   * @param props the settings (keys above, plus {@code scorer.client.*} and {@code scorer.streams.*})
   * @throws ConfigException naming the key and the bad value
   */
  public ScorerConfig(Map<String, ?> props) {
    super(DEF, checkKeys(props), false);
    this.spec = loadSpec(getString(SPEC_CONFIG));
  }

  /** @return the definition of every key (for help output and docs) */
  public static ConfigDef configDef() {
    return new ConfigDef(DEF);
  }

  private static Map<String, ?> checkKeys(Map<String, ?> props) {
    for (String k : props.keySet()) {
      if (k.startsWith("scorer.") && !DEF.names().contains(k) && !k.startsWith(CLIENT_PREFIX)
          && !k.startsWith(STREAMS_PREFIX)) {
        throw new ConfigException(k, props.get(k), "unknown scorer setting; known: " + new TreeSet<>(DEF.names())
            + " and the prefixes " + CLIENT_PREFIX + "*, " + STREAMS_PREFIX + "*");
      }
    }
    return props;
  }

  private static ConfigDef.Validator pattern(String regex) {
    return (name, value) -> {
      if (value == null || !value.toString().matches(regex)) {
        throw new ConfigException(name, value, "must match " + regex);
      }
    };
  }

  private static void validRate(String name, Object value) {
    if (!(value instanceof Double d) || !(d > 0 && d < 1)) {
      throw new ConfigException(name, value, "must be a probability strictly between 0 and 1");
    }
  }

  private static void validSpec(String name, Object value) {
    try {
      loadSpec(String.valueOf(value));
    } catch (SpecException e) {
      throw new ConfigException(name, value, e.getMessage());
    }
  }

  private static FeatureSpec loadSpec(String value) {
    if (FeatureSpec.builtinNames().contains(value)) {
      return FeatureSpec.builtin(value);
    }
    Path file = Path.of(value);
    if (!Files.isRegularFile(file)) {
      throw new SpecException(value, "neither a built-in spec (" + String.join(", ", FeatureSpec.builtinNames())
          + ") nor a readable file");
    }
    return FeatureSpec.load(file);
  }

  /** @return the feature spec */
  public FeatureSpec spec() {
    return spec;
  }

  /** @return the topic registry */
  public Topics topics() {
    return new Topics(getString(TOPIC_PREFIX_CONFIG), Topics.DEFAULT_PARTITIONS);
  }

  /** @return the model's name */
  public String modelName() {
    return getString(MODEL_NAME_CONFIG);
  }

  /** @return the application id */
  public String applicationId() {
    return getString(APPLICATION_ID_CONFIG);
  }

  /** @return true if the prior is served before any version, false if impressions are held */
  public boolean priorPolicy() {
    return POLICY_PRIOR.equals(getString(NO_MODEL_POLICY_CONFIG).toLowerCase(Locale.ROOT));
  }

  /** @return the topology's settings from this config */
  public ScorerTopology.Settings topologySettings() {
    return new ScorerTopology.Settings(topics(), spec, modelName(), getLong(ATTRIBUTION_WINDOW_MS_CONFIG),
        getLong(ATTRIBUTION_GRACE_MS_CONFIG), getLong(JOIN_PUNCTUATE_MS_CONFIG),
        priorPolicy() ? getDouble(PRIOR_BASE_RATE_CONFIG) : Double.NaN, getLong(HOLD_CHECK_MS_CONFIG),
        getLong(EVENT_TIME_MAX_AHEAD_MS_CONFIG), getLong(HOLD_MAX_IMPRESSIONS_CONFIG),
        getDouble(PRIOR_BASE_RATE_CONFIG));
  }

  /** @return the bearer token, or null for none */
  public String httpToken() {
    Password p = getPassword(HTTP_TOKEN_CONFIG);
    return p == null || p.value().isEmpty() ? null : p.value();
  }

  /** @return the model store's directory */
  public Path modelDir() {
    String d = getString(MODEL_DIR_CONFIG);
    return d.isEmpty() ? Path.of(System.getProperty("java.io.tmpdir"), "wnd-scorer-model-" + applicationId()) : Path.of(d);
  }

  /**
   * @return settings for every Kafka client: bootstrap servers plus {@code scorer.client.*}, and TCP buffers sized
   *     by the kernel's autotuning unless those say otherwise. With Kafka's fixed defaults (64 KB to receive) a
   *     fetch response that arrives while the stream thread is busy overflows the consumer's buffer, the kernel
   *     drops segments from it, and the broker resends them after TCP's 200 ms minimum retransmission timeout:
   *     bench score found a 208 ms fetch every few seconds, stalls of 200-450 ms (docs/scorer-bench.md, session 18)
   */
  public Map<String, Object> clientConfig() {
    Map<String, Object> m = new HashMap<>(originalsWithPrefix(CLIENT_PREFIX));
    m.put("bootstrap.servers", String.join(",", getList(BOOTSTRAP_SERVERS_CONFIG)));
    m.putIfAbsent("receive.buffer.bytes", -1);
    m.putIfAbsent("send.buffer.bytes", -1);
    return m;
  }

  /**
   * @return the Kafka Streams settings: exactly-once v2 (a {@code scorer.streams.processing.guarantee} may
   *     override it, e.g. for a benchmark), client settings, {@code scorer.streams.*}, then the application id
   */
  public Map<String, Object> streamsConfig() {
    Map<String, Object> m = clientConfig();
    m.put("processing.guarantee", "exactly_once_v2");
    // Impressions and clicks of one key meet in one task. 0 (Kafka's default, stated so it is not changed by
    // accident): a task waits to fetch the other input's records that are already on the broker, so those are
    // processed in event-time order across both topics (KIP-695), but never for records not produced yet. A
    // positive value would hold every impression until a click arrives on the other partition (or the time runs
    // out): bench score measured p50 / p99 3 / 26 ms at 2000 against 1 / 17 ms at 0, and with few clicks an
    // impression would wait the whole time. A click that still overtakes its impression is held by the join.
    // -1 (never wait) loses nothing since the join keeps its own clock (862e4ea), but it is slower on a backlog: the
    // task takes the buffered clicks while the impressions' fetch is on its way, so in bench score's drain every
    // one of the 80,682 clicks was read before its impression (none with 0), each with four more writes to the
    // join's stores and their changelogs. The stream thread took 40.5-57.0 µs a score (median 52.6) in 7 drains
    // with -1, against 36.7-48.7 (median 43.2) in 7 with 0, alternated. The price of 0: Kafka Streams builds a log
    // message with String.format whenever a task's input partition has nothing buffered
    // (PartitionGroup.readyToProcess), about 2 KB of the 17 KB the stream thread allocates per score.
    m.put("max.task.idle.ms", 0L);
    // The producer's batches (set below, after the user's settings): 256 KB where Kafka's default is 16 KB, unless
    // those give a size (scorer.client.batch.size, scorer.streams.batch.size, or either's producer.batch.size). Every
    // impression writes its join entry, about 420 bytes with its example, to a changelog partition of its task, so
    // 16 KB filled every ~40 impressions: in bench score's drain the producer's network thread took 7.5-7.9 µs a
    // score, the broker's request handlers 6.5-7.9 and its network thread 3.6, against 3.6-3.7, 3.5-4.4 and 1.5-1.6
    // with 256 KB, and the stream thread 37.3-38.6 against 34.4-34.9 (two alternated pairs). The buffers come from
    // the producer's pool (buffer.memory, 32 MB): a batch per partition written since the last send, about 30 for six
    // tasks; a scorer with hundreds of tasks would want a larger buffer.memory or smaller batches, or its sends wait
    // for the pool.
    long rocksBytes = getLong(ROCKSDB_MEMORY_BYTES_CONFIG);
    if (rocksBytes > 0) {
      m.put("rocksdb.config.setter", io.wnd.scorer.internals.BoundedRocksMemory.class);
      m.put(io.wnd.scorer.internals.BoundedRocksMemory.BYTES_CONFIG, rocksBytes);
    }
    m.putAll(originalsWithPrefix(STREAMS_PREFIX));
    if (!m.containsKey("batch.size") && !m.containsKey("producer.batch.size")) {
      m.put("producer.batch.size", PRODUCER_BATCH_BYTES);
    }
    m.put("application.id", applicationId());
    return m;
  }

  /** @return the keys a user may set (without the prefixes) */
  public static Set<String> names() {
    return DEF.names();
  }
}

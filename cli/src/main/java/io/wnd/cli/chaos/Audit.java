package io.wnd.cli.chaos;

import io.wnd.avro.LabelledExample;
import io.wnd.schemas.topics.Topics;
import io.wnd.schemas.wire.AvroSerde;
import io.wnd.state.version.VersionInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Checks the pipeline's exactly-once invariants from the outside, reading the topics as any user would
 * ({@code read_committed}): every impression replayed has exactly one score; every impression whose attribution
 * window has closed has exactly one labelled example, whose label is the one the file says (the clicks sent); the
 * trainer's manifests are numbered without gaps and each one's examples count equals the committed examples
 * between its parent's offsets and its own (every example trained exactly once). It reads incrementally, so it
 * can be asked again after every round. Impression ids are {@code <file>:<line>}, as {@code wnd replay} makes them.
 */
public final class Audit implements AutoCloseable {
  private final Map<String, FileState> files = new LinkedHashMap<>();
  private final Reader impressions;
  private final Reader scores;
  private final Reader examples;
  private final Reader models;
  private final String manifestPrefix;
  private final AvroSerde<io.wnd.avro.ModelRecord> modelSerde = Topics.serdes(null).models();
  private final List<VersionInfo> versions = new ArrayList<>();
  private final AvroSerde<LabelledExample> exampleSerde = Topics.serdes(null).examples();
  private final Map<Integer, LongList> exampleOffsets = new TreeMap<>();
  private long unknownImpressions;
  private long unknownScores;
  private long unknownExamples;
  private long examplesRead;

  /** What one replayed file should produce. */
  private static final class FileState {
    final byte[] labels;
    final byte[] impressions;
    final byte[] scores;
    final byte[] examples;
    final byte[] exampleLabels;
    boolean closed;

    FileState(byte[] labels) {
      int n = labels.length;
      this.labels = labels;
      this.impressions = new byte[n];
      this.scores = new byte[n];
      this.examples = new byte[n];
      this.exampleLabels = new byte[n];
    }
  }

  /**
   * @param clientConfig Kafka client settings
   * @param topics the registry
   * @param model the model whose manifests are checked
   */
  public Audit(Map<String, Object> clientConfig, Topics topics, String model) {
    this.models = new Reader(clientConfig, topics.name(Topics.MODELS));
    this.manifestPrefix = model + "/m/";
    this.impressions = new Reader(clientConfig, topics.name(Topics.IMPRESSIONS));
    this.scores = new Reader(clientConfig, topics.name(Topics.SCORES));
    this.examples = new Reader(clientConfig, topics.name(Topics.EXAMPLES));
  }

  /**
   * Declares a file that is (being) replayed.
   *
   * @param name its file name (the id prefix)
   * @param labels the label of each row, in order (the ground truth)
   */
  public void expect(String name, byte[] labels) {
    files.put(name, new FileState(labels));
  }

  /**
   * Declares that every attribution window of a file's impressions has closed (event time moved past them), so
   * each must have its example now.
   *
   * @param name the file name
   */
  public void closed(String name) {
    files.get(name).closed = true;
  }

  /** Reads what was committed on the topics since the last call, up to their current ends. */
  public void read() {
    models.drain(r -> {
      if (r.key() != null && r.key().startsWith(manifestPrefix) && r.value() != null
          && modelSerde.deserialize("", r.value()).getPart() instanceof io.wnd.avro.ModelManifest m) {
        Map<Integer, Long> consumed = new TreeMap<>();
        m.getConsumed().forEach(o -> consumed.put(o.getPartition(), o.getOffset()));
        versions.add(new VersionInfo(m.getModel(), m.getVersion(), m.getParent(), m.getCreatedAt().toEpochMilli(),
            m.getExamplesSeen(), Map.copyOf(m.getMetrics()), m.getBytes(), m.getSparseBlocks(), r.offset(), consumed));
      }
    });
    impressions.drain(r -> {
      FileState f = at(r.key());
      if (f == null) {
        unknownImpressions++;
      } else {
        inc(f.impressions, line(r.key()));
      }
    });
    scores.drain(r -> {
      FileState f = at(r.key());
      if (f == null) {
        unknownScores++;
      } else {
        inc(f.scores, line(r.key()));
      }
    });
    examples.drain(r -> {
      examplesRead++;
      exampleOffsets.computeIfAbsent(r.partition(), p -> new LongList()).add(r.offset());
      FileState f = at(r.key());
      if (f == null) {
        unknownExamples++;
        return;
      }
      int i = line(r.key());
      inc(f.examples, i);
      f.exampleLabels[i - 1] = (byte) exampleSerde.deserialize("", r.value()).getLabel();
    });
  }

  private FileState at(String key) {
    if (key == null) {
      return null;
    }
    int colon = key.lastIndexOf(':');
    FileState f = colon < 0 ? null : files.get(key.substring(0, colon));
    if (f == null) {
      return null;
    }
    int line = line(key);
    return line >= 1 && line <= f.labels.length ? f : null;
  }

  private static int line(String key) {
    return Integer.parseInt(key.substring(key.lastIndexOf(':') + 1));
  }

  private static void inc(byte[] counts, int line) {
    if (counts[line - 1] < Byte.MAX_VALUE) {
      counts[line - 1]++;
    }
  }

  /**
   * The tally of everything declared so far.
   *
   * @param impressions rows declared
   * @param impressionRecords impression records read (more than rows: the input was duplicated)
   * @param scored impressions with at least one score
   * @param scoresLost impressions read with no score
   * @param scoresDuplicated impressions with more than one score
   * @param closedImpressions impressions whose window closed
   * @param labelled closed impressions with at least one example
   * @param examplesLost closed impressions with no example
   * @param examplesDuplicated impressions with more than one example
   * @param wrongLabels examples whose label differs from the file's
   * @param unknown records whose key is no declared impression
   * @param examplesRead example records read
   */
  public record Tally(long impressions, long impressionRecords, long scored, long scoresLost, long scoresDuplicated,
      long closedImpressions, long labelled, long examplesLost, long examplesDuplicated, long wrongLabels, long unknown,
      long examplesRead) {
    /** @return lost records: scores plus examples */
    public long lost() {
      return scoresLost + examplesLost;
    }

    /** @return duplicated records: scores plus examples */
    public long duplicated() {
      return scoresDuplicated + examplesDuplicated;
    }

    /** @return whether every invariant holds */
    public boolean ok() {
      return lost() == 0 && duplicated() == 0 && wrongLabels == 0 && unknown == 0 && impressionRecords == impressions;
    }
  }

  /** @return the tally now (call {@link #read} first) */
  public Tally tally() {
    long rows = 0;
    long impRecords = 0;
    long scored = 0;
    long scoresLost = 0;
    long scoresDup = 0;
    long closed = 0;
    long labelled = 0;
    long exLost = 0;
    long exDup = 0;
    long wrong = 0;
    for (FileState f : files.values()) {
      for (int i = 0; i < f.labels.length; i++) {
        rows++;
        impRecords += f.impressions[i];
        if (f.scores[i] > 0) {
          scored++;
        } else if (f.impressions[i] > 0) {
          scoresLost++;
        }
        if (f.scores[i] > 1) {
          scoresDup++;
        }
        if (f.examples[i] > 1) {
          exDup++;
        }
        if (f.examples[i] > 0) {
          labelled++;
          if (f.exampleLabels[i] != f.labels[i]) {
            wrong++;
          }
        }
        if (f.closed) {
          closed++;
          if (f.examples[i] == 0) {
            exLost++;
          }
        }
      }
    }
    return new Tally(rows, impRecords, scored, scoresLost, scoresDup, closed, labelled, exLost, exDup, wrong,
        unknownImpressions + unknownScores + unknownExamples, examplesRead);
  }

  /**
   * Whether the trainer has trained on every example read so far: its latest manifest's offsets are past the last
   * example of every partition.
   *
   * @param versions the manifests, oldest first
   * @return true when caught up
   */
  public boolean trainedEverything(List<VersionInfo> versions) {
    if (examplesRead == 0) {
      return true;
    }
    if (versions.isEmpty()) {
      return false;
    }
    VersionInfo last = versions.get(versions.size() - 1);
    for (Map.Entry<Integer, LongList> e : exampleOffsets.entrySet()) {
      LongList l = e.getValue();
      if (last.consumed().getOrDefault(e.getKey(), 0L) <= l.get(l.size() - 1)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Checks the manifests against the examples read: numbered 1, 2, ... with each parent the one before, offsets
   * never moving back, and each version's new examples equal to the committed example records between its parent's
   * offsets and its own (so every example was trained exactly once, none skipped).
   *
   * @param versions the manifests, oldest first
   * @return the problems found (empty: none)
   */
  public List<String> checkManifests(List<VersionInfo> versions) {
    List<String> problems = new ArrayList<>();
    Map<Integer, Long> prev = new HashMap<>();
    long prevSeen = 0;
    for (int i = 0; i < versions.size(); i++) {
      VersionInfo v = versions.get(i);
      if (v.version() != i + 1 || v.parent() != i) {
        problems.add("version " + v.version() + " (parent " + v.parent() + ") at position " + (i + 1)
            + ": versions are not numbered without gaps");
      }
      long records = 0;
      for (Map.Entry<Integer, Long> e : v.consumed().entrySet()) {
        long from = prev.getOrDefault(e.getKey(), 0L);
        if (e.getValue() < from) {
          problems.add("v" + v.version() + ": partition " + e.getKey() + " offset moved back from " + from + " to "
              + e.getValue());
        }
        LongList l = exampleOffsets.get(e.getKey());
        records += l == null ? 0 : l.countIn(from, e.getValue());
      }
      if (v.examplesSeen() - prevSeen != records) {
        problems.add("v" + v.version() + ": " + (v.examplesSeen() - prevSeen) + " new examples trained, but "
            + records + " committed examples lie between its parent's offsets and its own");
      }
      prev = v.consumed();
      prevSeen = v.examplesSeen();
    }
    return problems;
  }

  /** @return the committed manifests read so far, in the order of the topic */
  public List<VersionInfo> versions() {
    return List.copyOf(versions);
  }

  /** @return example records read so far */
  public long examplesRead() {
    return examplesRead;
  }

  @Override
  public void close() {
    impressions.close();
    scores.close();
    examples.close();
    models.close();
  }

  /** A read_committed consumer over every partition of one topic, from its beginning. */
  private static final class Reader implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final List<TopicPartition> parts;

    Reader(Map<String, Object> clientConfig, String topic) {
      Map<String, Object> cfg = new HashMap<>(clientConfig);
      cfg.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      cfg.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      cfg.remove(ConsumerConfig.GROUP_ID_CONFIG);
      cfg.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 20_000);
      cfg.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 2 * Topics.MODELS_MAX_MESSAGE_BYTES);
      this.consumer = new KafkaConsumer<>(cfg, new StringDeserializer(), new ByteArrayDeserializer());
      List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(60));
      if (infos == null || infos.isEmpty()) {
        throw new KafkaException("topic " + topic + " does not exist");
      }
      this.parts = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
    }

    void drain(java.util.function.Consumer<ConsumerRecord<String, byte[]>> each) {
      Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofSeconds(60));
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (parts.stream().anyMatch(tp -> consumer.position(tp, Duration.ofSeconds(60)) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new KafkaException("could not read " + parts.get(0).topic() + " to its end within 2 minutes");
        }
        consumer.poll(Duration.ofMillis(200)).forEach(each);
      }
    }

    @Override
    public void close() {
      consumer.close();
    }
  }

  /** A growing list of ascending offsets. */
  private static final class LongList {
    private long[] a = new long[1024];
    private int n;

    void add(long v) {
      if (n == a.length) {
        a = Arrays.copyOf(a, n * 2);
      }
      a[n++] = v;
    }

    int size() {
      return n;
    }

    long get(int i) {
      return a[i];
    }

    /** @return how many offsets lie in [from, to) */
    long countIn(long from, long to) {
      return lowerBound(to) - lowerBound(from);
    }

    private int lowerBound(long v) {
      int lo = 0;
      int hi = n;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (a[mid] < v) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return lo;
    }
  }
}

package io.wnd.ingest.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.wnd.avro.Click;
import io.wnd.avro.Impression;
import io.wnd.ingest.Row;
import io.wnd.ingest.RowReader;
import io.wnd.schemas.topics.Topics;
import io.wnd.schemas.wire.AvroSerde;
import io.wnd.schemas.wire.TopicSchemaStore;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays rows into the impressions and clicks topics.
 *
 * <p>Row k of the input (counting skipped rows) becomes an impression with id {@code <input name>:<line>}
 * and event time {@code start + k / eventRate}; a positive row also becomes a click whose event time is
 * later by a delay drawn from the click-delay distribution (a function of the seed and the id only).
 * Impressions and clicks are produced in event-time order, with the record timestamp set to the event
 * time (what Kafka Streams joins on), keyed by impression id, by an idempotent producer. Every second the
 * producer is flushed and a checkpoint written, so a stopped replay resumes exactly after its last
 * acknowledged row. One replay per instance; {@link #stop} may be called from any thread.
 */
public final class Replayer {
  private static final Logger LOG = LoggerFactory.getLogger(Replayer.class);
  private static final long REPORT_NANOS = 1_000_000_000L;
  /** How long the first records replayed must still be kept: at least this much inside the topics' retention. */
  private static final Duration RETENTION_MARGIN = Duration.ofHours(1);
  /**
   * How far ahead of the wall clock the first event time may be: the scorer dead-letters impressions more than its
   * {@code scorer.max.ahead.ms} (15 minutes by default) ahead, and brokers refuse records stamped more than
   * {@code message.timestamp.after.max.ms} (1 hour by default) ahead.
   */
  private static final Duration MAX_START_AHEAD = Duration.ofMinutes(15);
  /** Rows are never sent more than this ahead of the wall clock: a fast replay that catches up with it waits. */
  private static final long AHEAD_ALLOWANCE_MS = 1_000;

  /** An input of the replay. */
  public interface Source {
    /** @return its name, recorded in the checkpoint */
    String name();

    /**
     * @return a reader at its first row
     * @throws IOException if it cannot be opened
     */
    RowReader open() throws IOException;

    /** @return its size in bytes (for the ETA), or -1 if unknown */
    default long size() {
      return -1;
    }
  }

  /** Called about once a second while a replay runs, and once at its end. */
  @FunctionalInterface
  public interface Progress {
    /**
     * @param rows rows replayed so far (this run)
     * @param impressions impressions acknowledged so far (this run)
     * @param clicks clicks acknowledged so far (this run)
     * @param rejected lines rejected so far
     * @param seconds wall time so far
     * @param fraction share of the input done, in [0, 1], or NaN if unknown
     */
    void update(long rows, long impressions, long clicks, long rejected, double seconds, double fraction);
  }

  private final Map<String, Object> clientConfig;
  private final Topics topics;
  private final ReplayOptions options;
  private final ObjectMapper mapper = new ObjectMapper();
  private volatile boolean stopRequested;
  // rows consumed so far and the row the run starts at (after --skip or a checkpoint); on the run's thread
  private long consumed;
  private long startRow;
  private boolean caughtUpLogged;

  /**
   * @param clientConfig Kafka client settings (bootstrap servers, security); they override the producer defaults
   * @param topics the topic registry
   * @param options how to replay
   */
  public Replayer(Map<String, Object> clientConfig, Topics topics, ReplayOptions options) {
    this.clientConfig = Map.copyOf(clientConfig);
    this.topics = topics;
    this.options = options;
  }

  /**
   * The bad lines of a reader of this replay's inputs that lie after the row it starts at: a resumed replay reads its
   * inputs again from the start, and the bad lines before its checkpoint were reported by the run it resumes.
   *
   * @param to where they go
   * @return the rejects sink to give the inputs' readers
   */
  public io.wnd.ingest.Rejects rejectsAfterStart(io.wnd.ingest.Rejects to) {
    // a reader rejects a line while it looks for the next row: the row after the `consumed` ones
    return (source, line, reason, text) -> {
      if (consumed >= startRow) {
        to.reject(source, line, reason, text);
      }
    };
  }

  /** Asks a running replay to flush, checkpoint and return; safe from a signal handler's thread. */
  public void stop() {
    stopRequested = true;
  }

  /**
   * Runs the replay to the end of its inputs, its limit or duration, or {@link #stop}.
   *
   * @param sources the inputs, replayed one after the other
   * @param rejected the count of rejected lines so far (the readers' rejects sink)
   * @param progress called about once a second
   * @return what was done
   * @throws IOException if an input cannot be read or the checkpoint cannot be written
   * @throws KafkaException if producing fails after the client's retries
   */
  public ReplaySummary run(List<Source> sources, LongSupplier rejected, Progress progress) throws IOException {
    List<String> names = sources.stream().map(Source::name).toList();
    State st = initialState(names);
    if (st.completed) {
      LOG.info("checkpoint {} says this replay is complete; nothing to do", options.checkpoint());
      return new ReplaySummary(0, 0, 0, 0, 0, 0, true, st.nextRow);
    }
    if (options.startTimeMillis() != ReplayOptions.START_NOW) {
      long first = options.startTimeMillis() + Math.round(st.nextRow * 1000.0 / options.eventRate());
      checkFirstEventTime(first, st.nextRow);
    }
    Topics.Serdes serdes = Topics.serdes(null);
    AvroSerde<Impression> impressions = serdes.impressions();
    AvroSerde<Click> clicks = serdes.clicks();
    String impTopic = topics.name(Topics.IMPRESSIONS);
    String clickTopic = topics.name(Topics.CLICKS);
    try (TopicSchemaStore schemas = new TopicSchemaStore(clientConfig, topics.name(Topics.SCHEMAS), Duration.ofSeconds(5))) {
      schemas.register(List.of(Impression.getClassSchema(), Click.getClassSchema()));
    }

    AtomicReference<Exception> sendError = new AtomicReference<>();
    if (options.checkpoint() != null) {
      findRecordsAfterCheckpoint(st, impTopic, clickTopic, names);
    }
    Callback onAck = (meta, e) -> {
      if (e != null) {
        sendError.compareAndSet(null, e);
      } else if (meta.hasOffset()) {
        st.offsets.merge(meta.topic() + ":" + meta.partition(), meta.offset() + 1, Math::max);
      }
    };
    double seconds;
    long produced = 0;
    long baseImpressions = st.impressions;
    long baseClicks = st.clicks;
    boolean completed = true;
    boolean limitReached = false;
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig(), new StringSerializer(),
        new ByteArraySerializer())) {
      // the schedule (pacing, and event times "now") starts once the producer knows both topics: otherwise the first
      // rows wait for the producer's start and metadata, and go out late and in a burst (their event times in the past)
      producer.partitionsFor(impTopic);
      producer.partitionsFor(clickTopic);
      // and once the first input is open (a generator calibrates itself when it opens: a second or so)
      RowReader firstReader = sources.isEmpty() ? null : sources.get(0).open();
      long t0 = System.nanoTime();
      long start = options.startTimeMillis() == ReplayOptions.START_NOW ? System.currentTimeMillis()
          : options.startTimeMillis();
      long lastReport = t0;
      long k = 0; // rows consumed from the inputs, skip included
      consumed = 0;
      startRow = st.nextRow;
      long totalBytes = sources.stream().allMatch(s -> s.size() >= 0)
          ? sources.stream().mapToLong(Source::size).sum() : -1;
      long bytesBefore = 0;
      try {
        outer:
        for (int si = 0; si < sources.size(); si++) {
          Source source = sources.get(si);
          try (RowReader reader = si == 0 ? firstReader : source.open()) {
            Row row;
            while ((row = reader.next()) != null) {
              consumed = k + 1;
              if (k++ < st.nextRow) {
                if (!st.impressionsOnTopic.isEmpty() || !st.clicksOnTopic.isEmpty()) {
                  // a row before this run's start (a resume of a resume that started later than the run it resumes):
                  // its impression is not met again, nor its click unless the checkpoint has it pending
                  String id = reader.name() + ":" + row.line();
                  st.impressionsOnTopic.remove(id);
                  if (!st.pendingAtStart.contains(id)) {
                    st.clicksOnTopic.remove(id);
                  }
                }
                continue; // skipped, or replayed before a resume
              }
              if (options.limit() >= 0 && produced >= options.limit()) {
                k--;
                limitReached = true;
                break outer;
              }
              long eventTime = start + Math.round((k - 1) * 1000.0 / options.eventRate());
              if (!awaitWallClock(eventTime)) {
                completed = false;
                k--;
                break outer;
              }
              while (!st.pending.isEmpty() && st.pending.peek().eventTime() <= eventTime) {
                Checkpoint.PendingClick c = st.pending.poll();
                sendClick(producer, st, clickTopic, c, clicks.serialize(clickTopic, click(c)), onAck);
              }
              String id = reader.name() + ":" + row.line();
              // not sent again if the run this one resumes produced it after its last checkpoint
              if (!st.impressionsOnTopic.remove(id)) {
                Impression imp = new Impression(id, Instant.ofEpochMilli(eventTime), row.features());
                send(producer, impTopic, id, eventTime, impressions.serialize(impTopic, imp), onAck);
              }
              st.impressions++;
              if (row.positive()) {
                long delay = options.clickDelay().sampleMillis(options.seed(), hash64(id));
                st.pending.add(new Checkpoint.PendingClick(id, eventTime + delay));
              }
              produced++;
              st.nextRow = k;
              pace(t0, produced);
              long now = System.nanoTime();
              if (now - lastReport >= REPORT_NANOS) {
                lastReport = now;
                flushAndCheckpoint(producer, sendError, st, names, start, false);
                double fraction = totalBytes > 0 && reader.bytesRead() >= 0
                    ? Math.min(1.0, (bytesBefore + reader.bytesRead()) / (double) totalBytes) : Double.NaN;
                if (options.limit() > 0) {
                  fraction = Math.max(Double.isNaN(fraction) ? 0 : fraction, produced / (double) options.limit());
                }
                progress.update(produced, st.impressions - baseImpressions, st.clicks - baseClicks, rejected.getAsLong(),
                    (now - t0) / 1e9, fraction);
              }
              if (stopRequested) {
                completed = false;
                break outer;
              }
              if (options.durationMillis() >= 0 && now - t0 >= options.durationMillis() * 1_000_000L) {
                break outer;
              }
            }
          }
          bytesBefore += Math.max(0, source.size());
        }
      } catch (IOException e) {
        // an input that cannot be read on (a gzip file cut off): what was sent is checkpointed, so that a resume
        // once the input is whole goes on from there
        flushAndCheckpoint(producer, sendError, st, names, start, false);
        throw new IOException(e.getMessage() + (options.checkpoint() == null ? "" : String.format(java.util.Locale.ROOT,
            "; the checkpoint %s is at row %,d: once the input is whole, the same command with --resume goes on from "
            + "there", options.checkpoint(), st.nextRow)), e);
      }
      if (completed) {
        while (!st.pending.isEmpty()) {
          Checkpoint.PendingClick c = st.pending.poll();
          sendClick(producer, st, clickTopic, c, clicks.serialize(clickTopic, click(c)), onAck);
        }
      }
      producer.flush(); // the last rows' errors, if any, are known before the summary
      // a replay that stopped at its --limit is complete, but its input is not: a resume goes on after it
      flushAndCheckpoint(producer, sendError, st, names, start, completed && !limitReached);
      seconds = (System.nanoTime() - t0) / 1e9;
    }
    progress.update(produced, st.impressions - baseImpressions, st.clicks - baseClicks, rejected.getAsLong(), seconds,
        completed ? 1.0 : Double.NaN);
    return new ReplaySummary(produced, st.impressions - baseImpressions, st.clicks - baseClicks, rejected.getAsLong(),
        seconds, seconds > 0 ? produced / seconds : 0, completed, st.nextRow);
  }

  private Map<String, Object> producerConfig() {
    Map<String, Object> cfg = new HashMap<>();
    cfg.put(ProducerConfig.ACKS_CONFIG, "all");
    cfg.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    cfg.put(ProducerConfig.LINGER_MS_CONFIG, 10);
    cfg.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    cfg.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    cfg.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
    // a cluster that does not answer fails the replay in 30 s (its checkpoint kept), not in the default 2 minutes,
    // which also outlasted the minute a Ctrl-C waits for the summary
    cfg.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    cfg.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    cfg.put(ProducerConfig.CLIENT_ID_CONFIG, "wnd-replay");
    cfg.putAll(clientConfig);
    return cfg;
  }

  private State initialState(List<String> names) throws IOException {
    State st = new State();
    st.nextRow = options.skip();
    if (options.resume() && Files.exists(options.checkpoint())) {
      Checkpoint cp = Checkpoint.read(mapper, options.checkpoint());
      if (!cp.inputs().equals(names)) {
        throw new IOException("checkpoint " + options.checkpoint() + " is for inputs " + cp.inputs() + ", not " + names);
      }
      if (cp.startTimeMillis() != options.startTimeMillis() || cp.eventRate() != options.eventRate()
          || cp.seed() != options.seed()) {
        throw new IOException("checkpoint " + options.checkpoint() + " was made with another --start-time, "
            + "--event-rate or --seed (without --event-rate, the event rate is --rate's); resume with the same ones "
            + "(start " + Instant.ofEpochMilli(cp.startTimeMillis()) + ", event rate " + cp.eventRate() + ", seed "
            + cp.seed() + "; this run: start " + Instant.ofEpochMilli(options.startTimeMillis()) + ", event rate "
            + options.eventRate() + ", seed " + options.seed() + ")");
      }
      st.nextRow = cp.nextRow();
      st.impressions = cp.impressions();
      st.clicks = cp.clicks();
      st.pending.addAll(cp.pending());
      cp.pending().forEach(c -> st.pendingAtStart.add(c.id()));
      st.completed = cp.completed();
      st.resumedOffsets = cp.offsets();
      LOG.info("resuming after row {} with {} pending clicks", st.nextRow, st.pending.size());
    }
    return st;
  }

  private void flushAndCheckpoint(KafkaProducer<String, byte[]> producer, AtomicReference<Exception> sendError,
      State st, List<String> names, long start, boolean completed) throws IOException {
    // a flush waits for every record in flight to be acknowledged: only a checkpoint needs that (run() flushes at the
    // end). A paced replay that flushed at every report would stop sending for as long, and then send the rows that
    // fell due meanwhile in a burst, with event times in the past
    if (options.checkpoint() != null) {
      producer.flush();
    }
    Exception e = sendError.get();
    if (e != null) {
      throw new KafkaException("producing failed: " + e.getMessage(), e);
    }
    if (options.checkpoint() != null) {
      // while records found after the resumed checkpoint are still ahead, they lie before this run's offsets: keep
      // the resumed checkpoint's, so that a resume of this run finds them too
      Map<String, Long> offsets = st.resumedOffsets != null
          && (!st.impressionsOnTopic.isEmpty() || !st.clicksOnTopic.isEmpty()) ? st.resumedOffsets
          : new java.util.TreeMap<>(st.offsets);
      new Checkpoint(names, start, options.eventRate(), options.seed(), st.nextRow, st.impressions,
          st.clicks, new ArrayList<>(st.pending), completed, offsets).write(mapper, options.checkpoint());
    }
  }

  /**
   * Waits until an event time is at most {@link #AHEAD_ALLOWANCE_MS} ahead of the wall clock: a replay faster than
   * event time that reaches the present goes on at the wall clock's pace rather than stamping records in the future
   * (which brokers refuse past {@code message.timestamp.after.max.ms}, and the scorer dead-letters).
   *
   * @return false if a stop was asked for while waiting
   */
  private boolean awaitWallClock(long eventTime) {
    long wait = eventTime - AHEAD_ALLOWANCE_MS - System.currentTimeMillis();
    if (wait > 0 && !caughtUpLogged) {
      caughtUpLogged = true;
      LOG.info("the replay reached the wall clock at event time {}: it goes on at the wall clock's pace",
          Instant.ofEpochMilli(eventTime));
    }
    while (wait > 0) {
      if (stopRequested) {
        return false;
      }
      try {
        Thread.sleep(Math.min(wait, 200));
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        stopRequested = true;
        return false;
      }
      wait = eventTime - AHEAD_ALLOWANCE_MS - System.currentTimeMillis();
    }
    return true;
  }

  private void pace(long t0, long produced) {
    if (options.rate() <= 0) {
      return;
    }
    long due = t0 + (long) (produced * 1e9 / options.rate());
    long ahead = due - System.nanoTime();
    if (ahead > 2_000_000L) {
      try {
        Thread.sleep(ahead / 1_000_000L);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        stopRequested = true;
      }
    }
  }

  /**
   * Refuses a first event time more than {@link #MAX_START_AHEAD} ahead of the wall clock, and records the brokers
   * would delete within minutes: records stamped (with their event time) earlier than a topic's {@code retention.ms} before now, less an hour's margin, on the impressions and clicks
   * topics and on the scores and examples topics the scorer stamps with the same event times. A topic with
   * {@code message.timestamp.type=LogAppendTime} or no time limit is fine. If the topics' configs cannot be read
   * (no DescribeConfigs permission, say), it says so in the log and goes on.
   */
  private void checkFirstEventTime(long firstEventTime, long firstRow) {
    long ahead = firstEventTime - System.currentTimeMillis();
    if (ahead > MAX_START_AHEAD.toMillis()) {
      throw new IllegalArgumentException("the replay's first event time " + Instant.ofEpochMilli(firstEventTime)
          + " (row " + (firstRow + 1) + ") is " + Duration.ofMillis(ahead).withNanos(0) + " ahead of the wall clock: "
          + "the scorer dead-letters impressions more than 15 minutes ahead, and brokers refuse records stamped more "
          + "than message.timestamp.after.max.ms (1 hour by default) ahead. Use a --start-time in the past");
    }
    List<String> names = List.of(topics.name(Topics.IMPRESSIONS), topics.name(Topics.CLICKS),
        topics.name(Topics.SCORES), topics.name(Topics.EXAMPLES));
    Map<ConfigResource, Config> configs;
    try (Admin admin = Admin.create(clientConfig)) {
      configs = admin.describeConfigs(names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList())
          .all().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException | KafkaException e) {
      LOG.warn("could not read the retention of {} ({}); replaying without checking that the event times from {} are "
          + "kept", names, e.getMessage(), Instant.ofEpochMilli(firstEventTime));
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("interrupted while reading the topics' retention", e);
    }
    long now = System.currentTimeMillis();
    List<String> tooShort = new ArrayList<>();
    long shortest = Long.MAX_VALUE;
    for (String name : names) {
      Config c = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, name));
      var type = c == null ? null : c.get(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG);
      var retention = c == null ? null : c.get(TopicConfig.RETENTION_MS_CONFIG);
      if (type == null || retention == null || "LogAppendTime".equals(type.value())) {
        continue;
      }
      long ms = Long.parseLong(retention.value());
      if (ms >= 0 && firstEventTime < now - ms + RETENTION_MARGIN.toMillis()) {
        tooShort.add(name + " (retention.ms " + ms + " = " + Duration.ofMillis(ms) + ")");
        shortest = Math.min(shortest, ms);
      }
    }
    if (!tooShort.isEmpty()) {
      throw new IllegalArgumentException("the replay's first event time " + Instant.ofEpochMilli(firstEventTime)
          + " (row " + (firstRow + 1) + ") is older than " + tooShort + " keep records, less an hour: records are "
          + "timestamped with their event time, and the broker would delete them within minutes. Start later "
          + "(--start-time after " + Instant.ofEpochMilli(now - shortest + RETENTION_MARGIN.toMillis())
          + "), or raise those topics' retention.ms (e.g. kafka-configs --alter --entity-type topics "
          + "--entity-name " + names.get(0) + " --add-config retention.ms=-1)");
    }
  }

  private static void send(KafkaProducer<String, byte[]> producer, String topic, String key, long timestamp,
      byte[] value, Callback onAck) {
    producer.send(new ProducerRecord<>(topic, null, timestamp, key, value), onAck);
  }

  private static void sendClick(KafkaProducer<String, byte[]> producer, State st, String topic,
      Checkpoint.PendingClick c, byte[] value, Callback onAck) {
    // not sent again if the run this one resumes produced it after its last checkpoint
    if (!st.clicksOnTopic.remove(c.id())) {
      send(producer, topic, c.id(), c.eventTime(), value, onAck);
    }
    st.clicks++;
  }

  /**
   * Notes where the topics end now (this run's records come after), and, resuming from a checkpoint that kept its
   * offsets, reads the ids that the run it resumes produced after that checkpoint (killed, or failed on a broker
   * error), so that they are not sent again.
   */
  private void findRecordsAfterCheckpoint(State st, String impTopic, String clickTopic, List<String> names) {
    Map<String, Object> cfg = new HashMap<>(clientConfig);
    cfg.put(org.apache.kafka.clients.consumer.ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // records after the checkpoint that retention deleted: read what is left, not jump to the end
    cfg.put(org.apache.kafka.clients.consumer.ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    cfg.put(org.apache.kafka.clients.consumer.ConsumerConfig.CLIENT_ID_CONFIG, "wnd-replay-resume");
    cfg.remove(org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_ID_CONFIG);
    java.util.Set<String> own = new java.util.HashSet<>(names);
    try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(cfg,
        new org.apache.kafka.common.serialization.StringDeserializer(),
        new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
      List<org.apache.kafka.common.TopicPartition> parts = new ArrayList<>();
      for (String t : List.of(impTopic, clickTopic)) {
        consumer.partitionsFor(t, Duration.ofSeconds(30))
            .forEach(p -> parts.add(new org.apache.kafka.common.TopicPartition(t, p.partition())));
      }
      Map<org.apache.kafka.common.TopicPartition, Long> ends = consumer.endOffsets(parts, Duration.ofSeconds(30));
      ends.forEach((tp, end) -> st.offsets.put(tp.topic() + ":" + tp.partition(), end));
      if (st.resumedOffsets == null) {
        return;
      }
      List<org.apache.kafka.common.TopicPartition> toRead = new ArrayList<>();
      for (org.apache.kafka.common.TopicPartition tp : parts) {
        Long from = st.resumedOffsets.get(tp.topic() + ":" + tp.partition());
        if (from != null && from < ends.get(tp)) {
          toRead.add(tp);
        }
      }
      consumer.assign(toRead);
      for (org.apache.kafka.common.TopicPartition tp : toRead) {
        consumer.seek(tp, st.resumedOffsets.get(tp.topic() + ":" + tp.partition()));
      }
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (toRead.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new KafkaException("could not read " + toRead + " to " + ends + " within 2 minutes, to find what the "
              + "replay being resumed produced after its checkpoint");
        }
        for (var r : consumer.poll(Duration.ofMillis(500))) {
          // only this replay's own ids (<input name>:<line>): another producer's records on the same topics are
          // not this run's to skip, and would never be met
          int colon = r.key() == null ? -1 : r.key().lastIndexOf(':');
          if (r.offset() < ends.get(new org.apache.kafka.common.TopicPartition(r.topic(), r.partition()))
              && colon > 0 && own.contains(r.key().substring(0, colon))) {
            (r.topic().equals(impTopic) ? st.impressionsOnTopic : st.clicksOnTopic).add(r.key());
          }
        }
      }
      if (!st.impressionsOnTopic.isEmpty() || !st.clicksOnTopic.isEmpty()) {
        LOG.info("the replay being resumed produced {} impressions and {} clicks after its checkpoint: they are not "
            + "sent again", st.impressionsOnTopic.size(), st.clicksOnTopic.size());
      }
    }
  }

  private static Click click(Checkpoint.PendingClick c) {
    return new Click(c.id(), Instant.ofEpochMilli(c.eventTime()));
  }

  /** A stable 64-bit hash of an id (SplitMix64's finalizer over a polynomial hash of its chars). */
  static long hash64(String s) {
    long h = 1125899906842597L;
    for (int i = 0; i < s.length(); i++) {
      h = 31 * h + s.charAt(i);
    }
    h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
    h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
    return h ^ (h >>> 31);
  }

  private static final class State {
    long nextRow;
    long impressions;
    long clicks;
    boolean completed;
    // the checkpoint's offsets when resuming from one that has them; kept as the next checkpoints' offsets while
    // records found after them are still ahead of this run (see Checkpoint.offsets)
    Map<String, Long> resumedOffsets;
    // "<topic>:<partition>" -> next offset after this run's last acknowledged record there (or the end at its start)
    final Map<String, Long> offsets = new java.util.concurrent.ConcurrentHashMap<>();
    // ids a killed or failed run produced after its last checkpoint: not sent again
    final java.util.Set<String> impressionsOnTopic = new java.util.HashSet<>();
    final java.util.Set<String> clicksOnTopic = new java.util.HashSet<>();
    // the ids of the clicks the resumed checkpoint has pending
    final java.util.Set<String> pendingAtStart = new java.util.HashSet<>();
    final PriorityQueue<Checkpoint.PendingClick> pending = new PriorityQueue<>(
        (a, b) -> a.eventTime() != b.eventTime() ? Long.compare(a.eventTime(), b.eventTime()) : a.id().compareTo(b.id()));
  }
}

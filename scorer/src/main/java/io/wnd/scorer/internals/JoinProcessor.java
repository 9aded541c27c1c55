package io.wnd.scorer.internals;

import io.wnd.avro.Click;
import io.wnd.avro.Impression;
import io.wnd.avro.LabelledExample;
import io.wnd.schemas.deadletter.DeadLetters;
import io.wnd.schemas.topics.Topics;
import io.wnd.scorer.BadInput;
import io.wnd.scorer.ScorerMetrics;
import io.wnd.scorer.ScorerTopology;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The label join (DESIGN §6): scored impressions ⋈ clicks by impression id, within the attribution window
 * in event time, with grace for late records. Exactly one {@link LabelledExample} per impression:
 *
 * <ul>
 *   <li>a click with {@code clickTime <= impressionTime + window} makes a positive, emitted at once, whether it
 *       arrives before or after its impression (early clicks wait in {@link ScorerTopology#EARLY_CLICKS_STORE});</li>
 *   <li>when the join's clock (the latest event time of the impressions scored) reaches
 *       {@code impressionTime + window + grace} without such a click, a negative is
 *       emitted (every {@code punctuateMs} of that clock, and after {@link #LOOK_EVERY} impressions, a scan walks
 *       {@link ScorerTopology#EXPIRY_STORE}, ordered by time);</li>
 *   <li>a second click on an impression is counted once ({@code duplicate_click}); a click after the window,
 *       or more than the grace before its impression ({@code click_outside_window}), changes nothing;</li>
 *   <li>a click with no id, or an event time before 1970 or too far ahead of the wall clock, is dead-lettered at
 *       once (see {@link io.wnd.scorer.BadInput});</li>
 *   <li>a click whose impression has not arrived when the join's clock reaches {@code clickTime + grace} is an
 *       orphan: counted and dead-lettered with its original bytes; a click inside the window that arrives
 *       after the negative was emitted is counted as {@code late_click} and dead-lettered too.</li>
 * </ul>
 *
 * <p>After its window closes an impression is remembered for one more window, to tell late and duplicate
 * clicks from orphans. While impressions are held for a first model version, no click is declared an orphan.
 */
public final class JoinProcessor implements Processor<String, Object, Object, Object> {
  private static final Logger LOG = LoggerFactory.getLogger(JoinProcessor.class);
  private static final byte CLOSE = 'W';
  /**
   * Sorts after {@link #CLOSE}: a scan ends by reading the first key past its range, and the forgotten impressions'
   * deleted close keys lie at the start of theirs (RocksDB keeps them as tombstones until a compaction), so a range
   * just before them would step over all of them at every punctuation.
   */
  private static final byte ORPHAN = 'o';
  /**
   * A look also comes after this many impressions of the task, if its clock moved. A look closes the windows whose
   * deadlines the clock passed since the last one, in one go on the stream thread (about 10 µs each with the
   * forgetting a window later), and impressions arriving meanwhile wait: with looks only every 100 ms of event time,
   * a task of live traffic at 1,700/s closes some 170 windows at once (a scorer of six tasks at 10,000/s: a burst of
   * about 10 ms every 100 ms). After 64 impressions the burst is below 1 ms, and the look's own cost (two range scans
   * and the cursor's write, some 20 µs) is spread over at least 64 impressions: looking every 10 ms of event time
   * instead made a backlog's drain 15-20 % slower, since a backlog replays its event time far faster than it passed.
   */
  public static final int LOOK_EVERY = 64;
  /** The key of {@link #closeFrom} in the deadline store (a kind of its own, sorting before the others). */
  private static final Bytes CLOSE_CURSOR_KEY = Bytes.wrap(new byte[] {0, 'c', 'l', 'o', 's', 'e'});

  private final ScorerTopology.Settings settings;
  private final Topics.Serdes serdes;
  private final ScorerMetrics metrics;
  private final DeadLetters deadLetters;
  private final String clicksTopic;
  private final String examplesTopic;
  private ProcessorContext<Object, Object> context;
  private KeyValueStore<String, JoinEntry> entries;
  private KeyValueStore<String, EarlyClick> early;
  private KeyValueStore<Bytes, byte[]> expiry;
  private KeyValueStore<String, Impression> held;
  /**
   * The join's clock: the latest event time of the impressions this task scored. Windows close, impressions are
   * forgotten and clicks become orphans by it, not by the task's stream time, which clicks move too: clicks are read
   * ahead of impressions whenever their partition was fetched later (a fast replay of history compresses minutes of
   * event time into the moments between two fetches), and a clock they moved would close windows and forget ids
   * before the impressions behind them were read. After a restart it starts at {@link #closeFrom}, the clock at the
   * last punctuation before.
   */
  private long impressionTime;
  /**
   * When the join's clock next looks for due deadlines ({@link #expire}): at every multiple of {@code punctuateMs}
   * it passes. Not a stream-time punctuation, which clicks read ahead would fire early and then not again while the
   * impressions catch up: the windows closing in between would wait for traffic after them.
   */
  private long nextExpiry = Long.MIN_VALUE;
  /**
   * Where the next scan for closing windows starts: every close key before it was closed, and none is put before it
   * (see {@link #schedule}). A close key stays in the store after its window closed, until the impression is
   * forgotten one window later, so this cursor is kept in the store too ({@link #CLOSE_CURSOR_KEY}, written in the
   * same transaction as the closes it covers): a restart does not scan a window's worth of closed keys again.
   */
  private long closeFrom = 0;
  /**
   * Where the next scan for impressions to forget starts (close keys older than the clock minus the window, which
   * it deletes). RocksDB keeps a deleted key as a tombstone until a compaction drops it, so a scan from the start of
   * the store would step over every key deleted since, more at each punctuation; this one steps over none. 0 after a
   * restart (one scan from the start).
   */
  private long forgetFrom = 0;
  /** Where the next scan for orphan clicks starts, as {@link #forgetFrom} (the orphan keys are deleted when due). */
  private long orphanFrom = 0;
  /**
   * The number of clicks waiting in {@link #early} for their impression, counted at {@link #init} and kept since: an
   * impression looks for an early click only when there is one. Clicks come after their impressions and the task
   * reads both topics in event-time order (see {@code max.task.idle.ms} in ScorerConfig), so the store is empty
   * nearly always (bench score's drain: no early click of 80,682), and the lookup it saves was a RocksDB read per
   * impression.
   */
  private long earlyCount;
  /** Impressions since the last look. */
  private int sinceLook;

  /**
   * @param settings the topology's settings
   * @param serdes the topics' serdes
   * @param metrics where outcomes are counted
   * @param deadLetters builds dead letters
   */
  public JoinProcessor(ScorerTopology.Settings settings, Topics.Serdes serdes, ScorerMetrics metrics,
      DeadLetters deadLetters) {
    this.settings = settings;
    this.serdes = serdes;
    this.metrics = metrics;
    this.deadLetters = deadLetters;
    this.clicksTopic = settings.topics().name(Topics.CLICKS);
    this.examplesTopic = settings.topics().name(Topics.EXAMPLES);
  }

  @Override
  public void init(ProcessorContext<Object, Object> ctx) {
    this.context = ctx;
    this.entries = ctx.getStateStore(ScorerTopology.JOIN_STORE);
    this.early = ctx.getStateStore(ScorerTopology.EARLY_CLICKS_STORE);
    this.expiry = ctx.getStateStore(ScorerTopology.EXPIRY_STORE);
    this.held = ctx.getStateStore(ScorerTopology.HELD_STORE);
    // a task's processors are initialised once its stores are restored, and may be again after a close (a task
    // revived): everything below comes from the stores
    closeFrom = closeCursor(expiry);
    impressionTime = closeFrom;
    nextExpiry = Long.MIN_VALUE;
    forgetFrom = 0;
    orphanFrom = 0;
    sinceLook = 0;
    earlyCount = 0;
    try (KeyValueIterator<String, EarlyClick> it = early.all()) {
      while (it.hasNext()) {
        it.next();
        earlyCount++;
      }
    }
  }

  /**
   * @param expiry the task's {@link ScorerTopology#EXPIRY_STORE}
   * @return the join's clock at its last punctuation (0 if it never closed a window): where a restarted task's
   *     clock starts
   */
  public static long closeCursor(KeyValueStore<Bytes, byte[]> expiry) {
    byte[] cursor = expiry.get(CLOSE_CURSOR_KEY);
    return cursor == null ? 0 : ByteBuffer.wrap(cursor).getLong();
  }

  @Override
  public void process(Record<String, Object> record) {
    if (record.value() instanceof Scored s) {
      onImpression(s);
    } else if (record.value() instanceof Click c) {
      String id = record.key() != null && !record.key().isEmpty() ? record.key() : c.getImpressionId();
      long now = context.currentSystemTimeMs();
      RuntimeException bad = BadInput.idProblem(id, "click");
      if (bad == null) {
        bad = settings.eventTimeProblem(c.getEventTime().toEpochMilli(), now);
      }
      if (bad != null) {
        var md = context.recordMetadata();
        deadLetter(id == null ? "" : id, serdes.clicks().serialize(clicksTopic, c), md.map(m -> m.partition()).orElse(-1),
            md.map(m -> m.offset()).orElse(-1L), now, bad);
        return;
      }
      onClick(id, c, record);
    }
  }

  private void onImpression(Scored s) {
    Impression imp = s.impression();
    String id = s.score().getImpressionId();
    long t = imp.getEventTime().toEpochMilli();
    impressionTime = Math.max(impressionTime, t);
    EarlyClick c = earlyCount > 0 ? early.get(id) : null;
    // the impression's feature bytes copied when it came from the topic in the current schema (the same bytes)
    byte[] encoded = imp instanceof ReceivedImpression r && r.currentSchema()
        ? r.negativeExample(id, t, s.score().getProbability(), s.score().getModel(), s.score().getVersion())
        : serdes.examples().serialize(examplesTopic, unlabelled(id, s));
    long close = closeTime(t);
    JoinEntry entry = null;
    if (c != null) {
      remove(early, id);
      earlyCount--;
      remove(expiry, key(ORPHAN, c.clickTime() + settings.graceMs(), id));
      entry = click(id, t, encoded, c.clickTime());
    }
    if (entry == null) {
      if (close <= closeFrom) {
        // read after later impressions moved the clock past its window and grace, and a look past its deadline was
        // made: closed now (an open entry with this deadline would count as closed, its negative never sent)
        sendNegative(id, t, encoded);
        entry = new JoinEntry(JoinEntry.NEGATIVE, t, 0, null);
      } else {
        entry = JoinEntry.open(t, close, encoded);
      }
    }
    entries.put(id, entry);
    schedule(close, CLOSE, id);
    sinceLook++;
    if (impressionTime >= nextExpiry || (sinceLook >= LOOK_EVERY && impressionTime > closeFrom)) {
      // the next multiple of the interval: a deadline is looked at within one interval of the clock passing it
      nextExpiry = impressionTime - Math.floorMod(impressionTime, settings.punctuateMs()) + settings.punctuateMs();
      sinceLook = 0;
      expire(impressionTime);
    }
  }

  /** The impression's example as its window closing without a click makes it: label 0, no click time. */
  private static LabelledExample unlabelled(String id, Scored s) {
    // the constructor, not a builder: a builder copies the features record deeply
    return new LabelledExample(id, 0, s.impression().getEventTime(), null, s.score().getProbability(),
        s.score().getModel(), s.score().getVersion(), s.impression().getFeatures());
  }

  private void onClick(String id, Click c, Record<String, Object> record) {
    long clickTime = c.getEventTime().toEpochMilli();
    JoinEntry entry = entries.get(id);
    if (entry != null) {
      if (entry.isOpen(closeFrom)) {
        JoinEntry after = click(id, entry.impressionTime(), entry.example(), clickTime);
        if (after != null) {
          entries.put(id, after);
        }
      } else if (entry.state() == JoinEntry.POSITIVE) {
        metrics.outcome(ScorerMetrics.DUPLICATE_CLICK);
      } else if (clickTime <= entry.impressionTime() + settings.windowMs()
          && clickTime >= entry.impressionTime() - settings.graceMs()) {
        metrics.outcome(ScorerMetrics.LATE_CLICK);
        var md = context.recordMetadata();
        deadLetter(id, serdes.clicks().serialize(clicksTopic, c), md.map(m -> m.partition()).orElse(-1),
            md.map(m -> m.offset()).orElse(-1L), record.timestamp(), new LateClickException(
                "click at " + Instant.ofEpochMilli(clickTime) + " on impression " + id + " arrived after its window "
                    + "closed (impression at " + Instant.ofEpochMilli(entry.impressionTime()) + ", window "
                    + settings.windowMs() + " ms, grace " + settings.graceMs() + " ms); the negative was already sent"));
      } else {
        metrics.outcome(ScorerMetrics.CLICK_OUTSIDE_WINDOW);
      }
      return;
    }
    EarlyClick before = early.get(id);
    if (before != null) {
      metrics.outcome(ScorerMetrics.DUPLICATE_CLICK);
      if (clickTime < before.clickTime()) {
        // keep the earliest click: it decides whether the impression's window saw one
        remove(expiry, key(ORPHAN, before.clickTime() + settings.graceMs(), id));
        early.put(id, new EarlyClick(clickTime, before.partition(), before.offset(), before.bytes()));
        schedule(clickTime + settings.graceMs(), ORPHAN, id);
      }
      return;
    }
    var md = context.recordMetadata();
    early.put(id, new EarlyClick(clickTime, md.map(m -> m.partition()).orElse(-1), md.map(m -> m.offset()).orElse(-1L),
        serdes.clicks().serialize(clicksTopic, c)));
    earlyCount++;
    metrics.earlyClick();
    schedule(clickTime + settings.graceMs(), ORPHAN, id);
  }

  /**
   * Applies a click to an open entry: the positive is emitted if the click is inside the window.
   *
   * @param negative the impression's example as the join stores it (label 0, no click time), encoded
   * @return the entry after a positive, or null if the click was outside the window (the entry stays open)
   */
  private JoinEntry click(String id, long impressionTime, byte[] negative, long clickTime) {
    if (clickTime > impressionTime + settings.windowMs() || clickTime < impressionTime - settings.graceMs()) {
      metrics.outcome(ScorerMetrics.CLICK_OUTSIDE_WINDOW);
      return null;
    }
    // the stored bytes with label 1 and the click time; decoded and encoded again only if in another schema
    byte[] positive = ReceivedImpression.positiveExample(negative, clickTime);
    if (positive == null) {
      LabelledExample ex = LabelledExample.newBuilder(serdes.examples().deserialize(examplesTopic, negative))
          .setLabel(1).setClickTime(Instant.ofEpochMilli(clickTime)).build();
      positive = serdes.examples().serialize(examplesTopic, ex);
    }
    context.forward(new Record<Object, Object>(id, positive, Math.max(clickTime, impressionTime)),
        ScorerTopology.EXAMPLES_SINK);
    metrics.outcome(ScorerMetrics.POSITIVE);
    return new JoinEntry(JoinEntry.POSITIVE, impressionTime, 0, null);
  }

  private long closeTime(long impressionTime) {
    return impressionTime + settings.windowMs() + settings.graceMs();
  }

  /**
   * Puts a due time into the deadline store. The deadline of a window that a look closed already (an impression
   * read after later ones moved the clock past its window and grace; its negative was sent when it was read) is put
   * at {@link #closeFrom}, where the next close scan starts, for the forgetting scan to find a window later; the close
   * scan does not go back over the windows it closed (their keys stay until they are forgotten: going back would read
   * their entries again). An orphan deadline lowers where the next orphan scan starts instead (those keys are
   * deleted when due).
   */
  private void schedule(long time, byte kind, String id) {
    if (kind == CLOSE) {
      expiry.put(key(kind, Math.max(time, closeFrom), id), new byte[0]);
    } else {
      expiry.put(key(kind, time, id), new byte[0]);
      orphanFrom = Math.min(orphanFrom, Math.max(0, time));
    }
  }

  /**
   * One look at the deadlines due by the join's clock: closes the windows (a negative where no click came), then
   * forgets the impressions whose window closed a window ago (their close keys and entries are deleted), then
   * declares the orphan clicks. A close key is written once per impression and deleted once: closing leaves it in
   * place, and the forgetting scan, a window behind, finds it again. Closing writes neither the entry nor the key:
   * the close cursor, written once per look, says which entries are closed ({@link JoinEntry#isOpen}).
   *
   * @param clock the join's clock
   */
  private void expire(long clock) {
    long closedBefore = closeFrom;
    // from the cursor itself, not past it: keys of entries written before closing stopped writing them may be there
    for (Bytes k : due(CLOSE, closeFrom, clock)) {
      String id = idOf(k);
      JoinEntry e = entries.get(id);
      if (e != null && e.isOpen(closedBefore)) {
        sendNegative(id, e.impressionTime(), e.example());
        if (e.state() == JoinEntry.OPEN) {
          // an earlier build's entry: only its state says it closed
          entries.put(id, e.sent(JoinEntry.NEGATIVE));
        }
      }
    }
    closeFrom = Math.max(closeFrom, clock);
    if (closeFrom != closedBefore) {
      expiry.put(CLOSE_CURSOR_KEY, ByteBuffer.allocate(8).putLong(closeFrom).array());
    }
    long forgetUpTo = clock - settings.windowMs();
    if (forgetUpTo >= forgetFrom) {
      for (Bytes k : due(CLOSE, forgetFrom, forgetUpTo)) {
        remove(expiry, k);
        remove(entries, idOf(k));
      }
      forgetFrom = forgetUpTo;
    }
    if (earlyCount == 0) {
      // an orphan key is put and deleted with its early click: none to scan for
      orphanFrom = Math.max(orphanFrom, clock);
      return;
    }
    List<Bytes> orphans = due(ORPHAN, orphanFrom, clock);
    // every orphan key below clock is deleted below, but those kept for later (which lower this again)
    orphanFrom = Math.max(orphanFrom, clock);
    if (orphans.isEmpty()) {
      return;
    }
    boolean holding;
    try (KeyValueIterator<String, Impression> it = held.all()) {
      holding = it.hasNext();
    }
    for (Bytes k : orphans) {
      long time = ByteBuffer.wrap(k.get(), 1, 8).getLong();
      if (holding) {
        // its impression may be among the held ones
        orphanFrom = Math.min(orphanFrom, time);
        continue;
      }
      remove(expiry, k);
      String id = idOf(k);
      EarlyClick c = early.get(id);
      if (c == null) {
        continue;
      }
      remove(early, id);
      earlyCount--;
      metrics.outcome(ScorerMetrics.ORPHAN_CLICK);
      deadLetter(id, c.bytes(), c.partition(), c.offset(), c.clickTime(), new OrphanClickException(
          "no impression " + id + " arrived by " + Instant.ofEpochMilli(time) + " in the impressions' event time (click at "
              + Instant.ofEpochMilli(c.clickTime()) + ", grace " + settings.graceMs() + " ms)"));
    }
  }

  /** Sends the example as encoded when the impression was scored (label 0, no click time): its window closed. */
  private void sendNegative(String id, long impressionTime, byte[] example) {
    context.forward(new Record<Object, Object>(id, example, impressionTime + settings.windowMs()),
        ScorerTopology.EXAMPLES_SINK);
    metrics.outcome(ScorerMetrics.NEGATIVE);
  }

  /** The keys of one kind due in [from, upTo], in time order (collected first: the caller changes the store). */
  private List<Bytes> due(byte kind, long from, long upTo) {
    List<Bytes> out = new ArrayList<>();
    if (upTo < from) {
      return out;
    }
    try (KeyValueIterator<Bytes, byte[]> it = expiry.range(key(kind, from, ""), upTo(kind, upTo))) {
      while (it.hasNext()) {
        out.add(it.next().key);
      }
    }
    return out;
  }

  /**
   * Deletes a key without reading it first. A store's {@code delete} returns the old value, so Kafka Streams' RocksDB
   * store reads the key (and the metered store decodes its value) before it deletes; a put of null writes the same
   * tombstone to RocksDB and to the changelog without the read (bench score's drain, where the join forgets every
   * impression: 4.3 µs per delete of a join entry or deadline, 2.3 as a put of null).
   */
  static <K, V> void remove(KeyValueStore<K, V> store, K key) {
    store.put(key, null);
  }

  private static String idOf(Bytes k) {
    return new String(k.get(), 9, k.get().length - 9, StandardCharsets.UTF_8);
  }

  private void deadLetter(String id, byte[] value, int partition, long offset, long timestamp, RuntimeException why) {
    LOG.warn("dead letter: {}-{} offset {}: {}", clicksTopic, partition, offset, why.getMessage());
    var dlq = deadLetters.record(new DeadLetters.Source(clicksTopic, partition, offset),
        id.getBytes(StandardCharsets.UTF_8), value, null, "scorer.join", why);
    context.forward(new Record<Object, Object>(dlq.key(), dlq.value(), timestamp, dlq.headers()),
        ScorerTopology.DEAD_LETTER_SINK);
  }

  /**
   * Deadline keys sort by kind (one byte: each kind is a range of its own, scanned with its own cursor), then time
   * (8 bytes, big-endian; times are not negative), then id.
   */
  static Bytes key(byte kind, long time, String id) {
    byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(ByteBuffer.allocate(9 + idBytes.length).put(kind).putLong(Math.max(0, time)).put(idBytes).array());
  }

  /** Above every key of a kind at a time (ids are UTF-8, whose bytes are never 0xFF). */
  private static Bytes upTo(byte kind, long time) {
    byte[] k = Arrays.copyOf(ByteBuffer.allocate(9).put(kind).putLong(Math.max(0, time)).array(), 10);
    k[9] = (byte) 0xFF;
    return Bytes.wrap(k);
  }

  /** Why a click was dead-lettered: no impression arrived for it within its grace. */
  public static final class OrphanClickException extends RuntimeException {
    /** @param message what happened */
    public OrphanClickException(String message) {
      super(message, null, false, false);
    }
  }

  /** Why a click was dead-lettered: it came inside the window but after the negative was sent. */
  public static final class LateClickException extends RuntimeException {
    /** @param message what happened */
    public LateClickException(String message) {
      super(message, null, false, false);
    }
  }
}

package io.wnd.scorer;

import io.wnd.avro.CensusFeatures;
import io.wnd.avro.Click;
import io.wnd.avro.CriteoFeatures;
import io.wnd.avro.Impression;
import io.wnd.schemas.topics.Topics;
import io.wnd.schemas.wire.WireFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;

/**
 * The bad-input corpus (docs/bad-input.md): every case of bad input the scorer must survive, mixed with good
 * impressions and clicks, in three phases, each case with its defined outcome. Shared by {@code BadInputTest}
 * (TopologyTestDriver) and {@code BadInputIT} (the real scorer on the real broker). Phases are fed in order;
 * the next one starts when the scorer has settled on the previous one (for the late click: after the
 * negative of its impression went out).
 */
final class BadInputCorpus {
  static final long WINDOW = 10_000;
  static final long GRACE = 1_000;
  static final String SCORED = "scored";
  /** Scored; its window is still open when the corpus ends, so no example yet. */
  static final String SCORED_OPEN = "scored, window open";
  static final String IGNORED = "ignored";
  static final String DLQ = "dlq:";

  /** Where a case goes. */
  enum Input { IMPRESSIONS, CLICKS }

  /**
   * One record and its defined outcome.
   *
   * @param name what it is
   * @param input the topic
   * @param key the record key (may be null)
   * @param value the value bytes (null: a tombstone)
   * @param expect {@link #SCORED}, {@link #IGNORED}, a join outcome of {@link ScorerMetrics}, or {@link #DLQ} + reason
   * @param label for a scored impression, the label its example must carry (null: not checked)
   */
  record Case(String name, Input input, String key, byte[] value, String expect, Integer label) {
    boolean deadLetter() {
      return expect.startsWith(DLQ);
    }

    String reason() {
      return expect.substring(DLQ.length());
    }

    @Override
    public String toString() {
      return name + " -> " + expect;
    }
  }

  /** The writer schema of an Impression whose I1..I3 are doubles: resolvable only where they are null. */
  static final Schema DOUBLE_I1_WRITER = new Schema.Parser().parse(Impression.getClassSchema().toString()
      .replace("{\"name\":\"I1\",\"type\":[\"null\",\"long\"]", "{\"name\":\"I1\",\"type\":[\"null\",\"double\"]"));

  final long t0;
  final List<List<Case>> phases = new ArrayList<>();
  private final Topics.Serdes serdes = Topics.serdes(null);

  /** @param t0 the base event time: recent, but at least an hour before the wall clock */
  BadInputCorpus(long t0) {
    if (!DOUBLE_I1_WRITER.toString().contains("\"double\"")) {
      throw new IllegalStateException("the double-I1 writer schema was not derived");
    }
    this.t0 = t0;
    phases.add(phase1());
    phases.add(phase2());
    phases.add(phase3());
  }

  private List<Case> phase1() {
    List<Case> p = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      String id = "g" + i;
      long t = t0 + i * 100L;
      boolean clicked = i % 3 == 0;
      if (clicked && i % 30 == 0) {
        p.add(click("click before its impression " + id, id, t + 500, ScorerMetrics.POSITIVE));
      }
      p.add(new Case("good " + id, Input.IMPRESSIONS, id, imp(id, t, Fixtures.features(i % 50)), SCORED, clicked ? 1 : 0));
      if (clicked && i % 30 != 0) {
        p.add(click("click " + id, id, t + 500, ScorerMetrics.POSITIVE));
      }
    }
    p.add(click("duplicate click g3", "g3", t0 + 300 + 600, ScorerMetrics.DUPLICATE_CLICK));
    p.add(click("click after the window of g4", "g4", t0 + 400 + WINDOW + 5_000, ScorerMetrics.CLICK_OUTSIDE_WINDOW));
    p.add(click("click for an unknown id", "ghost", t0 + 5_000, DLQ + "OrphanClickException"));
    p.add(new Case("duplicate impression g7 (other features)", Input.IMPRESSIONS, "g7",
        imp("g7", t0 + 700, Fixtures.features(99)), ScorerMetrics.DUPLICATE_IMPRESSION, null));
    p.add(new Case("duplicate impression g8 (same bytes)", Input.IMPRESSIONS, "g8",
        imp("g8", t0 + 800, Fixtures.features(8)), ScorerMetrics.DUPLICATE_IMPRESSION, null));

    // undecodable bytes
    byte[] good = imp("x", t0, Fixtures.features(1));
    p.add(badImp("empty value", "b-empty", new byte[0], "BAD_HEADER"));
    p.add(badImp("text, not Avro", "b-text", "{\"id\": \"x\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
        "BAD_HEADER"));
    p.add(badImp("random bytes", "b-random", random(1, 300), "BAD_HEADER"));
    p.add(badImp("marker, header only", "b-header", Arrays.copyOf(good, WireFormat.HEADER_LENGTH), "TRUNCATED"));
    p.add(badImp("unknown fingerprint", "b-fingerprint", withFingerprint(good, 0x0123456789abcdefL), "UNKNOWN_SCHEMA"));
    p.add(badImp("truncated body", "b-truncated", Arrays.copyOf(good, good.length / 2), "TRUNCATED"));
    byte[] negativeLength = Arrays.copyOf(good, WireFormat.HEADER_LENGTH + 1);
    negativeLength[WireFormat.HEADER_LENGTH] = 0x01; // zig-zag -1: a string of length -1
    p.add(badImp("negative string length", "b-neglen", negativeLength, "MALFORMED"));
    byte[] hugeLength = Arrays.copyOf(good, WireFormat.HEADER_LENGTH + 6);
    System.arraycopy(new byte[] {(byte) 0xfe, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f}, 0, hugeLength,
        WireFormat.HEADER_LENGTH, 5); // a string of 2^31-1 bytes in a 16-byte record
    p.add(badImp("length prefix of 2 GiB", "b-hugelen", hugeLength, "TRUNCATED"));
    p.add(badImp("a click on the impressions topic", "b-click", serdes.clicks().serialize("", new Click("x",
        Instant.ofEpochMilli(t0))), "MALFORMED"));
    byte[] big = random(2, 1_048_000);
    big[0] = 0x7b;
    p.add(badImp("1,048,000 garbage bytes (near the record size limit)", "b-big", big, "BAD_HEADER"));
    p.add(badImp("I1 = NaN (a writer schema with double I1)", "b-nan", doubleI1("b-nan", t0 + 900, Double.NaN),
        "MALFORMED"));
    p.add(badImp("I1 = +Inf", "b-inf", doubleI1("b-inf", t0 + 900, Double.POSITIVE_INFINITY), "MALFORMED"));
    p.add(badImp("I1 = -Inf", "b-ninf", doubleI1("b-ninf", t0 + 900, Double.NEGATIVE_INFINITY), "MALFORMED"));
    p.add(badImp("I1 = 1e300", "b-e300", doubleI1("b-e300", t0 + 900, 1e300), "MALFORMED"));
    p.add(new Case("double-I1 writer schema, I1 null (resolves)", Input.IMPRESSIONS, "h-double-null",
        doubleI1("h-double-null", t0 + 900, null), SCORED, 0));

    // schema-valid, refused
    p.add(new Case("no key, empty id", Input.IMPRESSIONS, null, imp("", t0 + 900, Fixtures.features(2)),
        DLQ + "BadIdException", null));
    String longId = "L".repeat(2_000);
    p.add(new Case("2,000-character id", Input.IMPRESSIONS, longId, imp(longId, t0 + 900, Fixtures.features(2)),
        DLQ + "BadIdException", null));
    p.add(badImp("event time before 1970", "b-negtime", imp("b-negtime", -5_000, Fixtures.features(3)),
        "NegativeEventTimeException"));
    p.add(badImp("event time a day ahead", "b-future", imp("b-future", System.currentTimeMillis() + 86_400_000L,
        Fixtures.features(3)), "FutureEventTimeException"));
    p.add(badImp("event time Long.MAX_VALUE", "b-maxtime", imp("b-maxtime", Long.MAX_VALUE, Fixtures.features(3)),
        "FutureEventTimeException"));
    CriteoFeatures huge = Fixtures.features(4);
    huge.setC1("x".repeat(1_000_000));
    p.add(badImp("a 1,000,000-character categorical", "b-1mb", imp("b-1mb", t0 + 900, huge),
        "OversizedFeaturesException"));
    CensusFeatures census = new CensusFeatures();
    census.setAge(39L);
    census.setWorkclass("State-gov");
    p.add(badImp("census features under the Criteo spec", "b-census", imp("b-census", t0 + 900, census),
        "IllegalArgumentException"));

    // schema-valid, handled
    CriteoFeatures max = Fixtures.features(5);
    CriteoFeatures min = Fixtures.features(6);
    for (int i = 0; i < 13; i++) {
      max.put(i, Long.MAX_VALUE);
      min.put(i, Long.MIN_VALUE);
    }
    p.add(new Case("every integer Long.MAX_VALUE", Input.IMPRESSIONS, "h-max", imp("h-max", t0 + 900, max), SCORED, 0));
    p.add(new Case("every integer Long.MIN_VALUE", Input.IMPRESSIONS, "h-min", imp("h-min", t0 + 900, min), SCORED, 0));
    CriteoFeatures empty = Fixtures.features(7);
    for (int i = 0; i < 26; i++) {
      empty.put(13 + i, "");
    }
    p.add(new Case("every categorical empty", Input.IMPRESSIONS, "h-empty", imp("h-empty", t0 + 900, empty), SCORED, 0));
    p.add(new Case("every field missing", Input.IMPRESSIONS, "h-null", imp("h-null", t0 + 900, new CriteoFeatures()),
        SCORED, 0));
    CriteoFeatures wide = Fixtures.features(8);
    wide.setC2("\u00e9\u4e2d\ud83d\ude00".repeat(50_000));
    p.add(new Case("a 200,000-character multi-byte categorical", Input.IMPRESSIONS, "h-200k",
        imp("h-200k", t0 + 900, wide), SCORED, 0));
    p.add(new Case("no key, id in the value", Input.IMPRESSIONS, null, imp("h-nokey", t0 + 900, Fixtures.features(9)),
        SCORED, 0));
    p.add(new Case("tombstone", Input.IMPRESSIONS, "h-tombstone", null, IGNORED, null));

    // bad clicks
    byte[] goodClick = serdes.clicks().serialize("", new Click("g1", Instant.ofEpochMilli(t0 + 600)));
    p.add(new Case("click: random bytes", Input.CLICKS, "g1", random(3, 50), DLQ + "BAD_HEADER", null));
    p.add(new Case("click: truncated", Input.CLICKS, "g1", Arrays.copyOf(goodClick, goodClick.length - 3),
        DLQ + "TRUNCATED", null));
    p.add(new Case("click: unknown fingerprint", Input.CLICKS, "g1", withFingerprint(goodClick, 42L),
        DLQ + "UNKNOWN_SCHEMA", null));
    p.add(new Case("click: no key, empty id", Input.CLICKS, null,
        serdes.clicks().serialize("", new Click("", Instant.ofEpochMilli(t0 + 600))), DLQ + "BadIdException", null));
    p.add(click("click: event time before 1970", "g1", -1, DLQ + "NegativeEventTimeException"));
    p.add(click("click: event time a day ahead", "g1", System.currentTimeMillis() + 86_400_000L,
        DLQ + "FutureEventTimeException"));

    p.add(new Case("end of phase 1", Input.IMPRESSIONS, "end1", imp("end1", t0 + 100_000, Fixtures.features(10)),
        SCORED, 0));
    return p;
  }

  private List<Case> phase2() {
    List<Case> p = new ArrayList<>();
    p.add(badImp("an impression older than the join's memory", "old", imp("old", t0, Fixtures.features(11)),
        "ExpiredImpressionException"));
    p.add(new Case("duplicate of g5 after the join forgot it", Input.IMPRESSIONS, "g5",
        imp("g5", t0 + 500, Fixtures.features(5)), DLQ + "ExpiredImpressionException", null));
    p.add(badImp("event time 0 (1970)", "epoch", imp("epoch", 0, Fixtures.features(12)), "ExpiredImpressionException"));
    p.add(new Case("impression whose click will be late", Input.IMPRESSIONS, "late",
        imp("late", t0 + 100_100, Fixtures.features(13)), SCORED, 0));
    p.add(new Case("impression closing the window of 'late'", Input.IMPRESSIONS, "m",
        imp("m", t0 + 115_000, Fixtures.features(14)), SCORED, 0));
    return p;
  }

  private List<Case> phase3() {
    List<Case> p = new ArrayList<>();
    p.add(click("click inside the window after the negative went out", "late", t0 + 100_600,
        DLQ + "LateClickException"));
    p.add(click("click long before its impression", "m", t0 + 50, ScorerMetrics.CLICK_OUTSIDE_WINDOW));
    p.add(new Case("end of phase 3", Input.IMPRESSIONS, "end3", imp("end3", t0 + 200_000, Fixtures.features(15)),
        SCORED_OPEN, null));
    return p;
  }

  List<Case> all() {
    return phases.stream().flatMap(List::stream).toList();
  }

  /** Expected counts after the given phases: outcomes, "scored", and dead letters by reason ("dlq:R"). */
  Map<String, Long> expected(int phasesDone) {
    Map<String, Long> m = new TreeMap<>();
    for (int i = 0; i < phasesDone; i++) {
      for (Case c : phases.get(i)) {
        m.merge(c.expect(), 1L, Long::sum);
      }
    }
    return m;
  }

  private Case click(String name, String id, long time, String expect) {
    return new Case(name, Input.CLICKS, id, serdes.clicks().serialize("", new Click(id, Instant.ofEpochMilli(time))),
        expect, null);
  }

  private Case badImp(String name, String key, byte[] value, String reason) {
    return new Case(name, Input.IMPRESSIONS, key, value, DLQ + reason, null);
  }

  byte[] imp(String id, long time, Object features) {
    return serdes.impressions().serialize("", new Impression(id, Instant.ofEpochMilli(time), features));
  }

  private static byte[] doubleI1(String id, long time, Double i1) {
    GenericData.Record imp = new GenericData.Record(DOUBLE_I1_WRITER);
    Schema fs = DOUBLE_I1_WRITER.getField("features").schema().getTypes().get(0);
    GenericData.Record f = new GenericData.Record(fs);
    f.put("I1", i1);
    f.put("C1", "68fd1e64");
    imp.put("id", id);
    imp.put("event_time", time);
    imp.put("features", f);
    try {
      ByteBuffer b = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), DOUBLE_I1_WRITER).encode(imp);
      return Arrays.copyOfRange(b.array(), b.arrayOffset() + b.position(), b.arrayOffset() + b.limit());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] withFingerprint(byte[] record, long fingerprint) {
    byte[] out = record.clone();
    ByteBuffer.wrap(out, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(fingerprint);
    return out;
  }

  static byte[] random(long seed, int n) {
    byte[] b = new byte[n];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < n; i++) {
      b[i] = (byte) r.nextInt(256);
    }
    if (b.length > 0 && b[0] == (byte) 0xC3) {
      b[0] = 0;
    }
    return b;
  }
}

package io.wnd.ingest.replay;

import java.time.Duration;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The distribution of the delay between an impression and its click, in event time, always within
 * (0, cap]. Parsed from {@code exp:MEAN[:CAP]}, {@code uniform:MIN:MAX} or {@code fixed:D}, with
 * durations like {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}. The delay of a row depends only on
 * the seed and the row's id, so a re-run or a resumed run replays the same clicks.
 */
public final class ClickDelay {
  /** The default: exponential with mean 30 s, capped at 5 minutes. */
  public static final String DEFAULT = "exp:30s:5m";

  private enum Kind { EXP, UNIFORM, FIXED }

  private final Kind kind;
  private final long a;
  private final long b;
  private final String text;

  private ClickDelay(Kind kind, long a, long b, String text) {
    this.kind = kind;
    this.a = a;
    this.b = b;
    this.text = text;
  }

  /**
   * @param spec the distribution, e.g. {@code exp:30s:5m}
   * @return the distribution
   * @throws IllegalArgumentException naming the problem
   */
  public static ClickDelay parse(String spec) {
    String[] p = spec.strip().toLowerCase(Locale.ROOT).split(":");
    try {
      switch (p[0]) {
        case "exp" -> {
          if (p.length < 2 || p.length > 3) {
            break;
          }
          long mean = millis(p[1]);
          long cap = p.length == 3 ? millis(p[2]) : mean * 10;
          if (mean <= 0 || cap < mean) {
            throw new IllegalArgumentException("click delay '" + spec + "': need 0 < mean <= cap");
          }
          return new ClickDelay(Kind.EXP, mean, cap, spec);
        }
        case "uniform" -> {
          if (p.length != 3) {
            break;
          }
          long lo = millis(p[1]);
          long hi = millis(p[2]);
          if (lo < 0 || hi <= lo) {
            throw new IllegalArgumentException("click delay '" + spec + "': need 0 <= min < max");
          }
          return new ClickDelay(Kind.UNIFORM, lo, hi, spec);
        }
        case "fixed" -> {
          if (p.length != 2) {
            break;
          }
          long d = millis(p[1]);
          if (d < 0) {
            throw new IllegalArgumentException("click delay '" + spec + "': must not be negative");
          }
          return new ClickDelay(Kind.FIXED, d, d, spec);
        }
        default -> { }
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("click delay '" + spec + "': bad duration (" + e.getMessage() + ")");
    }
    throw new IllegalArgumentException("click delay '" + spec + "': use exp:MEAN[:CAP], uniform:MIN:MAX or fixed:D "
        + "(durations like 500ms, 30s, 5m)");
  }

  /** @return the longest delay this distribution gives */
  public Duration max() {
    return Duration.ofMillis(b);
  }

  /**
   * The delay of one click, a function of the seed and the row's key only.
   *
   * @param seed the replay's seed
   * @param rowKey a stable key of the row (e.g. its id's hash)
   * @return the delay in milliseconds
   */
  public long sampleMillis(long seed, long rowKey) {
    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ rowKey);
    return switch (kind) {
      case FIXED -> a;
      case UNIFORM -> a + (long) (r.nextDouble() * (b - a));
      case EXP -> Math.max(1, Math.min(b, Math.round(-a * Math.log(1 - r.nextDouble()))));
    };
  }

  @Override
  public String toString() {
    return text;
  }

  /**
   * Parses a duration: a number with a unit ms, s, m or h (a bare number is seconds).
   *
   * @param s the text
   * @return milliseconds
   */
  public static long millis(String s) {
    String t = s.strip().toLowerCase(Locale.ROOT);
    double mult;
    String num;
    if (t.endsWith("ms")) {
      mult = 1;
      num = t.substring(0, t.length() - 2);
    } else if (t.endsWith("s")) {
      mult = 1000;
      num = t.substring(0, t.length() - 1);
    } else if (t.endsWith("m")) {
      mult = 60_000;
      num = t.substring(0, t.length() - 1);
    } else if (t.endsWith("h")) {
      mult = 3_600_000;
      num = t.substring(0, t.length() - 1);
    } else {
      mult = 1000;
      num = t;
    }
    return Math.round(Double.parseDouble(num) * mult);
  }
}

package io.wnd.ingest.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Property-based fuzzing of the line parsers (Criteo TSV, the seed's CSV, UCI Adult, JSON instances) and of
 * format detection: a mutated valid line (characters changed, inserted, deleted, separators added or removed,
 * huge and odd numbers, unpaired surrogates, deep JSON) either parses or is refused with {@link BadRow}; never
 * another exception. Seeded: {@code -Dwnd.fuzz.seed=N} replays a run; a failure names its seed and line.
 */
class ParserFuzzTest {
  static final long SEED = Long.getLong("wnd.fuzz.seed", 20261128L);
  static final int CASES = Integer.getInteger("wnd.fuzz.cases", 20_000);

  private static final String[] ODD = {"", " ", "\t", ",", "\"", "{", "}", "[", "]", ":", "?", "-", "+", "0 ", "1e400",
      "NaN", "Infinity", "-0", "99999999999999999999", "-9223372036854775809", "9223372036854775807", "0x1f", "\u0000",
      "\ud800", "\udc00", "\ud83d\ude00", "\u00e9", ">50K", "<=50K.", "null", "true", "\r", "\\", "\\u12"};

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void shouldParseOrRefuseWithBadRowWhateverTheLine() {
    List<Target> targets = List.of(
        new Target("criteo", CriteoParser.tsv(), criteoLine('\t', false)),
        new Target("seed-csv", CriteoParser.seedCsv(), criteoLine(',', true)),
        new Target("adult", new AdultParser(), "39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, "
            + "Not-in-family, White, Male, 2174, 0, 40, United-States, <=50K"),
        new Target("json", new JsonParser(), "{\"label\": 1, \"I1\": 3, \"I2\": -1, \"C1\": \"68fd1e64\", "
            + "\"C26\": null}"),
        new Target("json census", new JsonParser(), "{\"age\": 39, \"workclass\": \"State-gov\", "
            + "\"income_bracket\": \">50K\"}"));
    long total = 0;
    for (Target t : targets) {
      SplittableRandom r = new SplittableRandom(SEED ^ t.name.hashCode());
      int parsed = 0;
      for (int i = 0; i < CASES; i++) {
        String line = mutate(r, t.valid);
        try {
          Format.detect(line);
          t.parser.parse(line);
          parsed++;
        } catch (BadRow expected) {
          assertThat(expected.getMessage()).isNotBlank();
        } catch (Throwable e) {
          fail(t.name + " case " + i + " (seed " + SEED + "): " + e + " on line " + escape(line), e);
        }
      }
      System.out.printf("  %s: %d cases, %d parsed%n", t.name, CASES, parsed);
      total += CASES;
    }
    System.out.printf("ParserFuzzTest: %d cases, seed %d%n", total, SEED);
    assertThat(total).isEqualTo(5L * CASES);
  }

  private record Target(String name, LineParser parser, String valid) {}

  private static String criteoLine(char sep, boolean seed) {
    StringBuilder b = new StringBuilder("1");
    for (int i = 0; i < 13; i++) {
      b.append(sep).append(seed ? " " : "").append(i * 7 - 3);
    }
    for (int i = 0; i < 26; i++) {
      b.append(sep).append(i % 5 == 0 ? (seed ? "0 " : "") : (seed ? " " : "") + String.format("%08x", i * 0x1234567));
    }
    return b.toString();
  }

  static String mutate(SplittableRandom r, String valid) {
    StringBuilder b = new StringBuilder(valid);
    int edits = 1 + r.nextInt(r.nextInt(10) == 0 ? 40 : 4);
    for (int k = 0; k < edits; k++) {
      int at = b.length() == 0 ? 0 : r.nextInt(b.length() + 1);
      switch (r.nextInt(8)) {
        case 0 -> b.insert(at, ODD[r.nextInt(ODD.length)]);
        case 1 -> {
          if (at < b.length()) {
            b.setCharAt(at, (char) r.nextInt(r.nextBoolean() ? 128 : 0x10000));
          }
        }
        case 2 -> b.delete(at, Math.min(b.length(), at + 1 + r.nextInt(8)));
        case 3 -> b.setLength(at);
        case 4 -> b.insert(at, ODD[r.nextInt(ODD.length)].repeat(1 + r.nextInt(50)));
        case 5 -> b.insert(at, "[".repeat(r.nextInt(3000)));
        case 6 -> {
          if (at < b.length()) {
            int end = Math.min(b.length(), at + r.nextInt(20));
            b.insert(at, b.substring(at, end));
          }
        }
        default -> { } // unchanged: the valid line itself
      }
    }
    return b.toString();
  }

  private static String escape(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : (s.length() > 400 ? s.substring(0, 400) + "..." : s).toCharArray()) {
      b.append(c < 32 || c > 126 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return b.toString();
  }
}

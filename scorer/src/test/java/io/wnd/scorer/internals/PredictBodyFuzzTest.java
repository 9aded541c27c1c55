package io.wnd.scorer.internals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wnd.state.encode.Encoder;
import io.wnd.state.spec.FeatureSpec;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Property-based fuzzing of the HTTP {@code :predict} body: a mutated body is parsed into feature records that
 * the encoder takes, or refused as malformed JSON or a bad request (both answered 400) — never another
 * exception (a 500). Seeded: {@code -Dwnd.fuzz.seed=N}.
 */
class PredictBodyFuzzTest {
  static final long SEED = Long.getLong("wnd.fuzz.seed", 20261128L);
  static final int CASES = Integer.getInteger("wnd.fuzz.cases", 20_000);

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void shouldParseOrAnswer400WhateverTheBody() {
    ObjectMapper json = new ObjectMapper();
    FeatureSpec spec = FeatureSpec.builtin("criteo");
    Schema schema = ScorerHttp.featureSchema(spec);
    Encoder encoder = new Encoder(spec);
    String valid = "{\"instances\": [{\"I1\": 3, \"I2\": null, \"I13\": -7, \"C1\": \"68fd1e64\", \"C26\": \"\"}, "
        + "{\"I5\": 9223372036854775807, \"C9\": \"a\"}]}";
    String[] odd = {"", "{", "}", "[", "]", ",", ":", "\"", "null", "-1", "1.5", "1e400", "NaN", "true", "\"x\"",
        "[]", "{}", "99999999999999999999", "\"I1\": 1", "\"C1\": 2", "\"nope\": 1", "\u0000", "\ud800",
        "[".repeat(3000), "{\"a\":".repeat(1500)};
    SplittableRandom r = new SplittableRandom(SEED);
    int parsed = 0;
    for (int i = 0; i < CASES; i++) {
      StringBuilder b = new StringBuilder(valid);
      for (int k = 1 + r.nextInt(3); k > 0; k--) {
        int at = r.nextInt(b.length() + 1);
        switch (r.nextInt(4)) {
          case 0 -> b.insert(at, odd[r.nextInt(odd.length)]);
          case 1 -> b.delete(at, Math.min(b.length(), at + 1 + r.nextInt(12)));
          case 2 -> {
            if (at < b.length()) {
              b.setCharAt(at, (char) r.nextInt(r.nextBoolean() ? 128 : 0x10000));
            }
          }
          default -> { }
        }
      }
      try {
        for (GenericData.Record rec : ScorerHttp.instances(schema, json.readTree(b.toString()))) {
          encoder.encode(rec, encoder.newEncoded());
        }
        parsed++;
      } catch (JsonProcessingException | ScorerHttp.BadRequest expected) {
        assertThat(expected.getMessage()).isNotBlank();
      } catch (Throwable e) {
        fail("case " + i + " (seed " + SEED + "): " + e + " on " + b, e);
      }
    }
    System.out.printf("PredictBodyFuzzTest: %d bodies, %d parsed, seed %d%n", CASES, parsed, SEED);
    assertThat(parsed).isGreaterThan(0);
  }
}

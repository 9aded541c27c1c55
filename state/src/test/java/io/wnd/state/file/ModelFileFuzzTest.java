package io.wnd.state.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.spec.SpecException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Property-based fuzzing of the model file reader and of feature spec JSON: a mutated file (bit flips,
 * truncation, extension, sizes that lie: negative or huge counts at every offset) is read or refused with an
 * {@link IOException} (one line), never another exception and never an allocation the file's size does not
 * justify; a mutated spec parses or is refused with {@link SpecException}. Seeded: {@code -Dwnd.fuzz.seed=N}.
 */
class ModelFileFuzzTest {
  static final long SEED = Long.getLong("wnd.fuzz.seed", 20261128L);
  static final int FILE_CASES = Integer.getInteger("wnd.fuzz.cases", 20_000) / 20;
  static final int SPEC_CASES = Integer.getInteger("wnd.fuzz.cases", 20_000);

  @TempDir
  Path dir;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void shouldReadOrRefuseAModelFileWithAnIOExceptionWhateverItsBytes() throws Exception {
    Path valid = dir.resolve("valid.wndmodel");
    ModelFile.write(valid, GoldenModel.VERSION, GoldenModel.wideTable(), GoldenModel.embeddingTable());
    byte[] good = Files.readAllBytes(valid);
    SplittableRandom r = new SplittableRandom(SEED);
    Path file = dir.resolve("fuzzed.wndmodel");
    int read = 0;
    for (int i = 0; i < FILE_CASES; i++) {
      byte[] b = good.clone();
      switch (r.nextInt(5)) {
        case 0 -> {
          for (int k = 1 + r.nextInt(4); k > 0; k--) {
            b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
          }
        }
        case 1 -> b = Arrays.copyOf(b, r.nextInt(b.length));
        case 2 -> b = Arrays.copyOf(b, b.length + 1 + r.nextInt(100));
        case 3 -> { // a lying 4- or 8-byte size: near the start, where the counts are, or anywhere
          int at = r.nextBoolean() ? 8 + r.nextInt(Math.min(64, b.length - 16)) : r.nextInt(b.length - 8);
          long v = switch (r.nextInt(3)) {
            case 0 -> -1 - r.nextInt(100);
            case 1 -> Integer.MAX_VALUE - r.nextInt(100);
            default -> 1L << (20 + r.nextInt(11));
          };
          if (r.nextBoolean()) {
            ByteBuffer.wrap(b, at, 4).putInt((int) v);
          } else {
            ByteBuffer.wrap(b, at, 8).putLong(v);
          }
        }
        default -> { } // the valid file
      }
      Files.write(file, b);
      try {
        ModelFile.read(file);
        read++;
      } catch (IOException expected) {
        assertThat(expected.getMessage()).doesNotContain("\n");
      } catch (Throwable e) {
        fail("model file case " + i + " (seed " + SEED + "): " + e, e);
      }
    }
    System.out.printf("ModelFileFuzzTest: %d model files, %d read, seed %d%n", FILE_CASES, read, SEED);
    assertThat(read).isGreaterThan(0);
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void shouldParseOrRefuseASpecWithASpecExceptionWhateverItsText() {
    String valid = FeatureSpec.builtin("census").toJson();
    String[] odd = {"", "{", "}", "[", "]", ",", ":", "\"", "null", "-1", "0", "1e400", "NaN", "true", "\"x\"", "[]",
        "{}", "99999999999999999999", "\u0000", "\ud800", "[".repeat(2000)};
    SplittableRandom r = new SplittableRandom(SEED);
    int parsed = 0;
    for (int i = 0; i < SPEC_CASES; i++) {
      StringBuilder b = new StringBuilder(valid);
      for (int k = 1 + r.nextInt(3); k > 0; k--) {
        int at = r.nextInt(b.length() + 1);
        switch (r.nextInt(4)) {
          case 0 -> b.insert(at, odd[r.nextInt(odd.length)]);
          case 1 -> b.delete(at, Math.min(b.length(), at + 1 + r.nextInt(12)));
          case 2 -> {
            if (at < b.length()) {
              b.setCharAt(at, (char) (32 + r.nextInt(95)));
            }
          }
          default -> b.setLength(at);
        }
      }
      try {
        FeatureSpec.parse(b.toString());
        parsed++;
      } catch (SpecException expected) {
        assertThat(expected.getMessage()).isNotBlank();
      } catch (Throwable e) {
        fail("spec case " + i + " (seed " + SEED + "): " + e + " on " + b, e);
      }
    }
    System.out.printf("ModelFileFuzzTest: %d specs, %d parsed, seed %d%n", SPEC_CASES, parsed, SEED);
  }
}

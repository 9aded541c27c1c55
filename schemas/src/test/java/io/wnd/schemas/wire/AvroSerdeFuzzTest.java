package io.wnd.schemas.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.wnd.avro.Click;
import io.wnd.avro.Impression;
import io.wnd.avro.LabelledExample;
import io.wnd.avro.ModelRecord;
import io.wnd.avro.Score;
import io.wnd.schemas.Samples;
import io.wnd.schemas.topics.Topics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Property-based fuzzing of the wire format: for every topic's serde, random bytes and mutated valid encodings
 * (bit flips, byte changes, truncation, extension, splices, other fingerprints, lying length prefixes) either
 * decode or fail with {@link WireFormatException} — never another exception, never a hang, never an
 * allocation the input's size does not justify. Seeded: {@code -Dwnd.fuzz.seed=N} replays a run, and a
 * failure names its seed and case.
 */
class AvroSerdeFuzzTest {
  static final long SEED = Long.getLong("wnd.fuzz.seed", 20261128L);
  static final int CASES_PER_SCHEMA = Integer.getInteger("wnd.fuzz.cases", 20_000);

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void shouldDecodeOrRefuseWithAWireFormatExceptionWhateverTheBytes() {
    Topics.Serdes serdes = Topics.serdes(null);
    List<Target<?>> targets = List.of(
        new Target<>("Impression", serdes.impressions(), List.of(Samples.impression("a"),
            new Impression("b", java.time.Instant.ofEpochMilli(0), Samples.census()))),
        new Target<>("Click", serdes.clicks(), List.of(Samples.click("a"))),
        new Target<>("Score", serdes.scores(), List.of(Samples.score("a"))),
        new Target<>("LabelledExample", serdes.examples(), List.of(Samples.example("a"))),
        new Target<>("ModelRecord", serdes.models(), Samples.modelRecords()));
    long total = 0;
    for (Target<?> t : targets) {
      total += t.fuzz(new SplittableRandom(SEED ^ t.name.hashCode()));
    }
    System.out.printf("AvroSerdeFuzzTest: %d cases over %d schemas, seed %d%n", total, targets.size(), SEED);
    assertThat(total).isGreaterThanOrEqualTo(5L * CASES_PER_SCHEMA);
  }

  private static final class Target<T extends SpecificRecord> {
    final String name;
    final AvroSerde<T> serde;
    final List<byte[]> valid = new ArrayList<>();
    int decoded;

    Target(String name, AvroSerde<T> serde, List<? extends T> samples) {
      this.name = name;
      this.serde = serde;
      for (T s : samples) {
        valid.add(serde.serialize("t", s));
      }
    }

    long fuzz(SplittableRandom r) {
      for (int i = 0; i < CASES_PER_SCHEMA; i++) {
        byte[] input = Mutator.mutate(r, valid.get(r.nextInt(valid.size())));
        try {
          if (serde.deserialize("t", input) != null) {
            decoded++;
          }
        } catch (WireFormatException expected) {
          assertThat(expected.reason()).isNotNull();
          assertThat(expected.getMessage()).isNotBlank();
        } catch (Throwable e) {
          fail(name + " case " + i + " (seed " + SEED + "): " + e + " on " + Mutator.hex(input), e);
        }
      }
      System.out.printf("  %s: %d cases, %d decoded%n", name, CASES_PER_SCHEMA, decoded);
      return CASES_PER_SCHEMA;
    }
  }

  /** Mutations of a valid encoding, and random bytes. */
  static final class Mutator {
    private Mutator() {}

    static byte[] mutate(SplittableRandom r, byte[] valid) {
      byte[] b = valid.clone();
      switch (r.nextInt(9)) {
        case 0 -> {
          b = new byte[r.nextInt(64)];
          r.nextBytes(b);
          if (r.nextBoolean() && b.length >= 2) {
            b[0] = (byte) 0xC3;
            b[1] = 0x01;
          }
        }
        case 1 -> { // bit flips in the body
          for (int k = 1 + r.nextInt(4); k > 0; k--) {
            int at = WireFormat.HEADER_LENGTH + r.nextInt(Math.max(1, b.length - WireFormat.HEADER_LENGTH));
            if (at < b.length) {
              b[at] ^= (byte) (1 << r.nextInt(8));
            }
          }
        }
        case 2 -> b = Arrays.copyOf(b, r.nextInt(b.length)); // truncation
        case 3 -> { // extension with random bytes
          int n = b.length;
          b = Arrays.copyOf(b, n + 1 + r.nextInt(32));
          for (int i = n; i < b.length; i++) {
            b[i] = (byte) r.nextInt(256);
          }
        }
        case 4 -> { // another fingerprint: a known one of another type, or a random one
          long fp = r.nextBoolean() ? WireFormat.fingerprint(WireFormat.compiledIn().get(r.nextInt(
              WireFormat.compiledIn().size()))) : r.nextLong();
          java.nio.ByteBuffer.wrap(b, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(fp);
        }
        case 5 -> { // a lying length prefix (zig-zag varint of a huge or negative length) at a random place
          int at = WireFormat.HEADER_LENGTH + r.nextInt(Math.max(1, b.length - WireFormat.HEADER_LENGTH));
          long len = switch (r.nextInt(4)) {
            case 0 -> 1L << (20 + r.nextInt(12));
            case 1 -> Integer.MAX_VALUE - r.nextInt(16);
            case 2 -> -1 - r.nextInt(1000);
            default -> r.nextLong();
          };
          byte[] varint = zigzag(len);
          byte[] out = Arrays.copyOf(b, Math.max(b.length, at + varint.length));
          System.arraycopy(varint, 0, out, at, varint.length);
          b = out;
        }
        case 6 -> { // random byte values
          for (int k = 1 + r.nextInt(8); k > 0; k--) {
            b[r.nextInt(b.length)] = (byte) r.nextInt(256);
          }
        }
        case 7 -> { // a splice: a slice repeated or removed
          int from = r.nextInt(b.length);
          int to = from + r.nextInt(b.length - from + 1);
          byte[] slice = Arrays.copyOfRange(b, from, to);
          if (r.nextBoolean()) {
            byte[] out = new byte[b.length + slice.length];
            System.arraycopy(b, 0, out, 0, to);
            System.arraycopy(slice, 0, out, to, slice.length);
            System.arraycopy(b, to, out, to + slice.length, b.length - to);
            b = out;
          } else {
            byte[] out = new byte[b.length - slice.length];
            System.arraycopy(b, 0, out, 0, from);
            System.arraycopy(b, to, out, from, b.length - to);
            b = out;
          }
        }
        default -> b = valid.clone(); // the valid record itself
      }
      return b;
    }

    static byte[] zigzag(long v) {
      long z = (v << 1) ^ (v >> 63);
      byte[] out = new byte[10];
      int n = 0;
      while ((z & ~0x7FL) != 0) {
        out[n++] = (byte) ((z & 0x7F) | 0x80);
        z >>>= 7;
      }
      out[n++] = (byte) z;
      return Arrays.copyOf(out, n);
    }

    static String hex(byte[] b) {
      return b.length > 200 ? HexFormat.of().formatHex(b, 0, 200) + "... (" + b.length + " bytes)"
          : HexFormat.of().formatHex(b);
    }
  }
}

package io.wnd.schemas.wire;

import org.apache.avro.Schema;

/**
 * A walk over an Avro binary body with its writer schema that allocates nothing and checks that every length
 * and item count fits in the bytes that are left, before the real decoder runs. Avro's decoder allocates what a
 * length prefix says before it finds the bytes missing: a 40-byte record claiming a billion array items
 * would otherwise cost gigabytes of heap (an OutOfMemoryError, found by {@code AvroSerdeFuzzTest}).
 */
final class WireBounds {
  private static final int MAX_DEPTH = 256;

  private final byte[] b;
  private int pos;

  private WireBounds(byte[] b, int pos) {
    this.b = b;
    this.pos = pos;
  }

  /**
   * Checks a body.
   *
   * @param writer the writer schema
   * @param data the whole record
   * @param offset where the body starts
   * @throws WireFormatException (TRUNCATED or MALFORMED) naming the problem
   */
  static void check(Schema writer, byte[] data, int offset) {
    new WireBounds(data, offset).walk(writer, 0);
  }

  private void walk(Schema s, int depth) {
    if (depth > MAX_DEPTH) {
      throw malformed("nesting deeper than " + MAX_DEPTH);
    }
    switch (s.getType()) {
      case NULL -> { }
      case BOOLEAN -> skip(1);
      case INT, LONG, ENUM -> varint();
      case FLOAT -> skip(4);
      case DOUBLE -> skip(8);
      case FIXED -> skip(s.getFixedSize());
      case STRING, BYTES -> skip(length("length"));
      case RECORD -> {
        for (Schema.Field f : s.getFields()) {
          walk(f.schema(), depth + 1);
        }
      }
      case UNION -> {
        long i = varint();
        if (i < 0 || i >= s.getTypes().size()) {
          throw malformed("union branch " + i + " of " + s.getTypes().size());
        }
        walk(s.getTypes().get((int) i), depth + 1);
      }
      case ARRAY, MAP -> {
        for (long n = varint(); n != 0; n = varint()) {
          if (n < 0) {
            n = -n;
            length("block size");
          }
          // every item of a type that takes no bytes still costs the decoder an object: bound those too
          if (n > b.length - pos && (minBytes(s, 0) > 0 || n > 1_000_000)) {
            throw truncated(n + " items claimed, " + (b.length - pos) + " bytes left");
          }
          for (long k = 0; k < n; k++) {
            if (s.getType() == Schema.Type.MAP) {
              skip(length("key length"));
              walk(s.getValueType(), depth + 1);
            } else {
              walk(s.getElementType(), depth + 1);
            }
          }
        }
      }
      default -> throw malformed("unsupported type " + s.getType());
    }
  }

  /** The fewest bytes one item of an array or map can take. */
  private static int minBytes(Schema container, int depth) {
    if (container.getType() == Schema.Type.MAP) {
      return 1;
    }
    return minBytesOf(container.getElementType(), depth);
  }

  private static int minBytesOf(Schema s, int depth) {
    if (depth > 8) {
      return 0;
    }
    return switch (s.getType()) {
      case NULL -> 0;
      case FIXED -> Math.min(1, s.getFixedSize());
      case RECORD -> {
        int m = 0;
        for (Schema.Field f : s.getFields()) {
          m = Math.max(m, minBytesOf(f.schema(), depth + 1));
        }
        yield m;
      }
      default -> 1;
    };
  }

  private int length(String what) {
    long n = varint();
    if (n < 0) {
      throw malformed("negative " + what + " " + n);
    }
    if (n > b.length - pos) {
      throw truncated(what + " " + n + " with " + (b.length - pos) + " bytes left");
    }
    return (int) n;
  }

  private void skip(int n) {
    if (n > b.length - pos) {
      throw truncated(n + " bytes needed, " + (b.length - pos) + " left");
    }
    pos += n;
  }

  private long varint() {
    long v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (pos >= b.length) {
        throw truncated("a number is cut off");
      }
      int x = b[pos++] & 0xff;
      v |= (long) (x & 0x7f) << shift;
      if ((x & 0x80) == 0) {
        return (v >>> 1) ^ -(v & 1);
      }
    }
    throw malformed("a number longer than 10 bytes");
  }

  private static WireFormatException truncated(String why) {
    return new WireFormatException(WireFormatException.Reason.TRUNCATED, "record body ends early: " + why, null);
  }

  private static WireFormatException malformed(String why) {
    return new WireFormatException(WireFormatException.Reason.MALFORMED, "malformed record body: " + why, null);
  }
}

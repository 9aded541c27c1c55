package io.wnd.state.version;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32C;

/**
 * Keys and checksums of the records of a version. Keys are text so operators can read them:
 * {@code <model>/s/<table>/<field>/<id as 16 hex digits>} for a sparse row,
 * {@code <model>/d/<chunk>} for a dense chunk, {@code <model>/m/<version, 19 digits>} for a manifest,
 * {@code <model>/control} for the operator's pin (one key: compaction keeps the latest).
 */
final class ModelRecords {
  /** Floats per dense chunk: 1 MiB of data, well under the topic's 4 MiB max message size. */
  static final int DENSE_CHUNK_FLOATS = 256 * 1024;

  private ModelRecords() {}

  static String sparseKey(String model, Table table, int field, long id) {
    return model + "/s/" + table.key() + "/" + field + "/" + String.format(Locale.ROOT, "%016x", id);
  }

  static String denseKey(String model, int chunk) {
    return model + "/d/" + chunk;
  }

  static String manifestKey(String model, long version) {
    return model + "/m/" + String.format(Locale.ROOT, "%019d", version);
  }

  static String controlKey(String model) {
    return model + "/control";
  }

  /** A parsed key; {@code kind} is 's', 'd', 'm' or 'c' (control). */
  record Key(String model, char kind, Table table, int field, long id, long number) {}

  static Key parse(String key) {
    String[] p = key.split("/");
    if (p.length == 2 && p[1].equals("control") && !p[0].isEmpty()) {
      return new Key(p[0], 'c', null, 0, 0, 0);
    }
    if (p.length >= 3 && p[1].length() == 1) {
      switch (p[1].charAt(0)) {
        case 's' -> {
          if (p.length == 5) {
            return new Key(p[0], 's', Table.ofKey(p[2]), Integer.parseInt(p[3]), Long.parseUnsignedLong(p[4], 16), 0);
          }
        }
        case 'd' -> {
          return new Key(p[0], 'd', null, 0, 0, Integer.parseInt(p[2]));
        }
        case 'm' -> {
          return new Key(p[0], 'm', null, 0, 0, Long.parseLong(p[2]));
        }
        default -> { }
      }
    }
    throw new IllegalArgumentException("not a model record key: '" + key + "'");
  }

  static byte[] floats(float[] src, int offset, int count) {
    ByteBuffer b = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(src, offset, count);
    return b.array();
  }

  static float[] floats(ByteBuffer bytes) {
    ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[b.remaining() / 4];
    b.asFloatBuffer().get(out);
    return out;
  }

  /** CRC-32C of a sparse block: its ids (8 bytes each, little-endian) then its values bytes. */
  static long blockChecksum(List<Long> ids, ByteBuffer values) {
    CRC32C crc = new CRC32C();
    ByteBuffer idb = ByteBuffer.allocate(8 * ids.size()).order(ByteOrder.LITTLE_ENDIAN);
    for (long id : ids) {
      idb.putLong(id);
    }
    crc.update(idb.array());
    crc.update(values.duplicate());
    return crc.getValue();
  }

  /** CRC-32C of a tombstone: its key's UTF-8 bytes. */
  static long keyChecksum(String key) {
    CRC32C crc = new CRC32C();
    crc.update(key.getBytes(StandardCharsets.UTF_8));
    return crc.getValue();
  }

  static long crc(ByteBuffer data) {
    CRC32C crc = new CRC32C();
    crc.update(data.duplicate());
    return crc.getValue();
  }

  /** A running CRC-32C over a sequence of record checksums, in record order. */
  static final class Chain {
    private final CRC32C crc = new CRC32C();
    private final byte[] eight = new byte[8];
    private int count;

    void add(long checksum) {
      for (int i = 0; i < 8; i++) {
        eight[i] = (byte) (checksum >>> (8 * i));
      }
      crc.update(eight);
      count++;
    }

    long value() {
      return crc.getValue();
    }

    int count() {
      return count;
    }

    void reset() {
      crc.reset();
      count = 0;
    }
  }
}

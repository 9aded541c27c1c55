package io.wnd.state.store;

import io.wnd.state.version.Table;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** RocksDB keys and values of sparse rows: key = table (1 byte), field (4), id (8), big-endian; value = floats LE. */
final class RocksKeys {
  static final float[] ABSENT = new float[0];

  private RocksKeys() {}

  static byte[] key(Table table, int field, long id) {
    return ByteBuffer.allocate(13).put((byte) table.ordinal()).putInt(field).putLong(id).array();
  }

  static byte[] value(float[] src, int offset, int dim) {
    ByteBuffer b = ByteBuffer.allocate(dim * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(src, offset, dim);
    return b.array();
  }

  static float[] floats(byte[] value) {
    float[] out = new float[value.length / 4];
    ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }
}

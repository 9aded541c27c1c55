package io.wnd.scorer.internals;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** Serdes of the join's store values: a few fixed-width fields, then bytes kept as they are. */
public final class StoreSerdes {
  /**
   * @return the serde of {@link JoinEntry}: state (1 byte), impression time (8), then the encoded example as is
   *     (nothing once it was sent). Entries written before closed entries dropped their example still read: their
   *     bytes are kept but not used.
   */
  public Serde<JoinEntry> joinEntry() {
    return Serdes.serdeFrom((topic, e) -> {
      if (e == null) {
        return null;
      }
      byte[] ex = e.example() == null ? new byte[0] : e.example();
      return ByteBuffer.allocate(9 + ex.length).put(e.state()).putLong(e.impressionTime()).put(ex).array();
    }, (topic, b) -> {
      if (b == null) {
        return null;
      }
      ByteBuffer buf = ByteBuffer.wrap(b);
      byte state = buf.get();
      long time = buf.getLong();
      return new JoinEntry(state, time, state == JoinEntry.OPEN ? Arrays.copyOfRange(b, 9, b.length) : null);
    });
  }

  /** @return the serde of {@link EarlyClick}: click time (8 bytes), partition (4), offset (8), bytes */
  public Serde<EarlyClick> earlyClick() {
    return Serdes.serdeFrom((topic, c) -> {
      if (c == null) {
        return null;
      }
      byte[] v = c.bytes() == null ? new byte[0] : c.bytes();
      return ByteBuffer.allocate(20 + v.length).putLong(c.clickTime()).putInt(c.partition()).putLong(c.offset())
          .put(v).array();
    }, (topic, b) -> {
      if (b == null) {
        return null;
      }
      ByteBuffer buf = ByteBuffer.wrap(b);
      return new EarlyClick(buf.getLong(), buf.getInt(), buf.getLong(), Arrays.copyOfRange(b, 20, b.length));
    });
  }
}

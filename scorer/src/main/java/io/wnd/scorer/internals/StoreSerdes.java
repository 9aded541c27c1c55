package io.wnd.scorer.internals;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** Serdes of the join's store values: a few fixed-width fields, then bytes kept as they are. */
public final class StoreSerdes {
  /**
   * @return the serde of {@link JoinEntry}: state (1 byte), impression time (8), for {@link JoinEntry#OPEN_UNTIL}
   *     its deadline (8), then the encoded example as is (nothing once it was sent). Entries written before
   *     closed entries dropped their example still read: their bytes are kept but not used.
   */
  public Serde<JoinEntry> joinEntry() {
    return Serdes.serdeFrom((topic, e) -> {
      if (e == null) {
        return null;
      }
      byte[] ex = e.example() == null ? new byte[0] : e.example();
      boolean until = e.state() == JoinEntry.OPEN_UNTIL;
      ByteBuffer b = ByteBuffer.allocate((until ? 17 : 9) + ex.length).put(e.state()).putLong(e.impressionTime());
      if (until) {
        b.putLong(e.closeAt());
      }
      return b.put(ex).array();
    }, (topic, b) -> {
      if (b == null) {
        return null;
      }
      ByteBuffer buf = ByteBuffer.wrap(b);
      byte state = buf.get();
      long time = buf.getLong();
      return switch (state) {
        case JoinEntry.OPEN_UNTIL -> new JoinEntry(state, time, buf.getLong(), Arrays.copyOfRange(b, 17, b.length));
        case JoinEntry.OPEN -> new JoinEntry(state, time, 0, Arrays.copyOfRange(b, 9, b.length));
        default -> new JoinEntry(state, time, 0, null);
      };
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

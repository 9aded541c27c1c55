package io.wnd.scorer.internals;

import io.wnd.avro.LabelledExample;

/**
 * The join's state of one impression.
 *
 * @param state {@link #OPEN}, {@link #POSITIVE} or {@link #NEGATIVE}
 * @param impressionTime the impression's event time, ms
 * @param example the example to emit (label and click time not yet set while open)
 */
public record JoinEntry(byte state, long impressionTime, LabelledExample example) {
  /** Waiting for a click or for the window to close. */
  public static final byte OPEN = 0;
  /** The positive example was sent. */
  public static final byte POSITIVE = 1;
  /** The window closed; the negative example was sent. */
  public static final byte NEGATIVE = 2;

  /** @param s the new state @return this entry in that state */
  public JoinEntry with(byte s) {
    return new JoinEntry(s, impressionTime, example);
  }
}

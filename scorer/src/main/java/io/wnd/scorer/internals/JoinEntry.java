package io.wnd.scorer.internals;

/**
 * The join's state of one impression.
 *
 * <p>The example is kept as the bytes the examples topic gets ({@code serdes.examples()}, Avro single-object
 * encoding): encoded once when the impression is scored, stored as is, and sent as is when the window closes
 * without a click, so that the common case (a negative) encodes the example once and never decodes it. A click
 * decodes it to set the label. Once the example was sent (positive or negative) it is not needed any more and the
 * entry keeps only its state and time, for telling duplicate and late clicks from orphans.
 *
 * @param state {@link #OPEN}, {@link #POSITIVE} or {@link #NEGATIVE}
 * @param impressionTime the impression's event time, ms
 * @param example the encoded example to emit (label and click time not yet set) while {@link #OPEN}; else null
 */
public record JoinEntry(byte state, long impressionTime, byte[] example) {
  /** Waiting for a click or for the window to close. */
  public static final byte OPEN = 0;
  /** The positive example was sent. */
  public static final byte POSITIVE = 1;
  /** The window closed; the negative example was sent. */
  public static final byte NEGATIVE = 2;

  /**
   * The entry once its example was sent.
   *
   * @param s {@link #POSITIVE} or {@link #NEGATIVE}
   * @return this entry in that state, without the example
   */
  public JoinEntry sent(byte s) {
    if (s == OPEN) {
      throw new IllegalArgumentException("an entry whose example was sent is not open");
    }
    return new JoinEntry(s, impressionTime, null);
  }
}

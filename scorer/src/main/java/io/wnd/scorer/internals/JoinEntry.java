package io.wnd.scorer.internals;

/**
 * The join's state of one impression.
 *
 * <p>The example is kept as the bytes the examples topic gets ({@code serdes.examples()}, Avro single-object
 * encoding): encoded once when the impression is scored, stored as is, and sent as is when the window closes
 * without a click, so that the common case (a negative) encodes the example once and never decodes it. A click
 * decodes it to set the label.
 *
 * <p>An impression's entry is written when it is scored ({@link #OPEN_UNTIL}; {@link #POSITIVE} if a click waited
 * for it, {@link #NEGATIVE} if its window had closed already by the join's clock), again only if a click makes it
 * {@link #POSITIVE}, and deleted when it is forgotten. Its window's close does not write it: the entry is closed once
 * the join's close cursor (the clock of its last look, kept in the deadline store) has reached {@link #closeAt}, the
 * time of its deadline, and the look that moved the cursor to or past it sent the negative (see {@link #isOpen}).
 * Entries written before that rule ({@link #OPEN}) are rewritten as {@link #NEGATIVE} when they close, as they were.
 * A build before it cannot read {@link #OPEN_UNTIL} (it would take such an entry as closed): scorers sharing an
 * application id are upgraded together, and not rolled back past it with their state.
 *
 * @param state {@link #OPEN_UNTIL}, {@link #POSITIVE}, {@link #NEGATIVE} or {@link #OPEN}
 * @param impressionTime the impression's event time, ms
 * @param closeAt for {@link #OPEN_UNTIL}, the time of the impression's deadline in the deadline store (its
 *     window's end plus grace), ms; else 0
 * @param example the encoded example to emit (label and click time not yet set) while the entry is open; else
 *     null
 */
public record JoinEntry(byte state, long impressionTime, long closeAt, byte[] example) {
  /** Waiting for a click or for the window to close; rewritten as {@link #NEGATIVE} when it closes. Read only. */
  public static final byte OPEN = 0;
  /** The positive example was sent. */
  public static final byte POSITIVE = 1;
  /** The window closed; the negative example was sent. */
  public static final byte NEGATIVE = 2;
  /** Waiting for a click until the join's close cursor reaches {@link #closeAt}; closed from then on. */
  public static final byte OPEN_UNTIL = 3;

  /**
   * An open entry.
   *
   * @param impressionTime the impression's event time, ms
   * @param closeAt the time of its deadline, ms
   * @param example its encoded example
   * @return the entry
   */
  public static JoinEntry open(long impressionTime, long closeAt, byte[] example) {
    return new JoinEntry(OPEN_UNTIL, impressionTime, closeAt, example);
  }

  /**
   * The entry once its example was sent.
   *
   * @param s {@link #POSITIVE} or {@link #NEGATIVE}
   * @return this entry in that state, without the example
   */
  public JoinEntry sent(byte s) {
    if (s != POSITIVE && s != NEGATIVE) {
      throw new IllegalArgumentException("an entry whose example was sent is positive or negative, got " + s);
    }
    return new JoinEntry(s, impressionTime, 0, null);
  }

  /**
   * Whether the entry waits for a click: its example was not sent.
   *
   * @param closeCursor the join's close cursor: every deadline up to it was looked at
   * @return true for {@link #OPEN}, and for {@link #OPEN_UNTIL} whose deadline is after the cursor
   */
  public boolean isOpen(long closeCursor) {
    return state == OPEN || (state == OPEN_UNTIL && closeAt > closeCursor);
  }
}

package io.wnd.ingest.read;

/** A line that does not parse in its format; the message is the reason a person reads in the rejects file. */
public final class BadRow extends Exception {
  private static final long serialVersionUID = 1L;

  /** @param reason a few words, e.g. "expected 40 fields, found 39" */
  public BadRow(String reason) {
    super(reason, null, false, false);
  }
}

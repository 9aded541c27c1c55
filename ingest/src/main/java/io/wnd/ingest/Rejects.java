package io.wnd.ingest;

/** Where readers send lines they cannot parse. */
@FunctionalInterface
public interface Rejects {
  /**
   * A rejected line.
   *
   * @param source the input's name
   * @param line 1-based line number
   * @param reason why, in a few words (e.g. "expected 40 fields, found 39")
   * @param text the line as read (may be cut or contain replacement characters)
   */
  void reject(String source, long line, String reason, String text);

  /** @return rejects that are dropped (for inputs known to be clean) */
  static Rejects ignore() {
    return (source, line, reason, text) -> { };
  }
}

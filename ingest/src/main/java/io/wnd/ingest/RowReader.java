package io.wnd.ingest;

import java.io.IOException;

/**
 * A stream of rows, read in constant memory. Lines that cannot be parsed are not returned: they go to
 * the {@link Rejects} the reader was built with, and reading goes on.
 */
public interface RowReader extends AutoCloseable {
  /**
   * The next good row.
   *
   * @return the row, or {@code null} at the end of the input
   * @throws IOException if the input itself cannot be read (a missing file, a broken gzip stream)
   */
  Row next() throws IOException;

  /** @return a short name of the input, used in impression ids and messages (e.g. the file name) */
  String name();

  /** @return bytes of the input consumed so far (compressed bytes for gzip), or -1 if unknown */
  default long bytesRead() {
    return -1;
  }

  @Override
  void close() throws IOException;
}

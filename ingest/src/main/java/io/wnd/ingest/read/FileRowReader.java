package io.wnd.ingest.read;

import io.wnd.ingest.Rejects;
import io.wnd.ingest.Row;
import io.wnd.ingest.RowReader;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Rows of one file in one format. Blank lines are skipped; bad lines go to the rejects and reading goes
 * on. A row's index is its 0-based line number, so it stays the same whatever else the file holds.
 */
public final class FileRowReader implements RowReader {
  private final Lines lines;
  private final LineParser parser;
  private final Format format;
  private final Rejects rejects;

  private FileRowReader(Lines lines, Format format, Rejects rejects) {
    this.lines = lines;
    this.format = format;
    this.rejects = rejects;
    this.parser = switch (format) {
      case CRITEO -> CriteoParser.tsv();
      case SEED_CSV -> CriteoParser.seedCsv();
      case ADULT -> new AdultParser();
      case JSON -> new JsonParser();
    };
  }

  /**
   * Opens a file.
   *
   * @param file plain or gzip
   * @param format its format, or {@code null} to detect it from the first line
   * @param rejects where bad lines go
   * @return the reader
   * @throws IOException with a one-line message if the file is missing, unreadable or undetectable
   */
  public static FileRowReader open(Path file, Format format, Rejects rejects) throws IOException {
    return open(file, file.getFileName().toString(), format, rejects);
  }

  /**
   * Opens a file under a name of its own: the name its rows' ids and rejects are made from.
   *
   * @param file the file
   * @param name its name
   * @param format its format, or null to detect it
   * @param rejects where bad lines go
   * @return the reader
   * @throws IOException with a one-line message if the file is missing, unreadable or undetectable
   */
  public static FileRowReader open(Path file, String name, Format format, Rejects rejects) throws IOException {
    Format f = format != null ? format : Format.detect(file);
    return new FileRowReader(Lines.open(file, name), f, rejects);
  }

  /** @return the format being read */
  public Format format() {
    return format;
  }

  @Override
  public Row next() throws IOException {
    while (true) {
      String line;
      try {
        line = lines.next();
      } catch (Lines.BadLine bad) {
        rejects.reject(lines.name(), bad.line(), bad.getMessage(), bad.text());
        continue;
      }
      if (line == null) {
        return null;
      }
      if (line.isBlank()) {
        continue;
      }
      try {
        LineParser.Parsed p = parser.parse(line);
        return new Row(lines.lineNumber(), lines.lineNumber() - 1, p.label(), p.features());
      } catch (BadRow bad) {
        rejects.reject(lines.name(), lines.lineNumber(), bad.getMessage(), line);
      }
    }
  }

  @Override
  public long bytesRead() {
    return lines.bytesRead();
  }

  @Override
  public String name() {
    return lines.name();
  }

  @Override
  public void close() throws IOException {
    lines.close();
  }
}

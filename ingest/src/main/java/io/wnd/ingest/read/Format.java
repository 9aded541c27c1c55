package io.wnd.ingest.read;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/** The input formats, and detection from a file's first non-empty line. */
public enum Format {
  /** Criteo Kaggle / 1TB click logs: tab-separated label, I1..I13, C1..C26; empty = missing. */
  CRITEO("criteo"),
  /** The seed's CSV of the Criteo rows: comma-separated, present values after a space, {@code "0 "} = missing. */
  SEED_CSV("seed-csv"),
  /** UCI Adult: 15 comma+space separated columns, {@code ?} = missing, label {@code >50K} / {@code <=50K}. */
  ADULT("adult"),
  /** JSON instances, one object per line, Criteo ({@code I1..C26}) or census field names. */
  JSON("json");

  private final String cliName;

  Format(String cliName) {
    this.cliName = cliName;
  }

  /** @return the name used on the command line */
  public String cliName() {
    return cliName;
  }

  /**
   * @param name a command-line name
   * @return the format
   * @throws IllegalArgumentException listing the valid names
   */
  public static Format of(String name) {
    for (Format f : values()) {
      if (f.cliName.equalsIgnoreCase(name) || f.name().equalsIgnoreCase(name)) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown format '" + name + "'; use one of "
        + Arrays.stream(values()).map(Format::cliName).toList());
  }

  /**
   * Detects a file's format from its first non-empty line.
   *
   * @param file a plain or gzip file
   * @return the format
   * @throws IOException if the file cannot be read or no format fits its first line
   */
  public static Format detect(Path file) throws IOException {
    try (Lines lines = Lines.open(file)) {
      String line = "";
      while (line.isBlank()) {
        try {
          line = lines.next();
        } catch (Lines.BadLine e) {
          line = "";
          continue;
        }
        if (line == null) {
          throw new IOException(file + ": empty file; nothing to detect a format from (pass --format)");
        }
      }
      Format f = detect(line);
      if (f == null) {
        throw new IOException(file + ": cannot tell the format from line " + lines.lineNumber()
            + " (pass --format criteo|seed-csv|adult|json)");
      }
      return f;
    }
  }

  static Format detect(String line) {
    String t = line.strip();
    if (t.startsWith("{")) {
      return JSON;
    }
    if (line.indexOf('\t') >= 0 && line.split("\t", -1).length == CriteoParser.FIELDS) {
      return CRITEO;
    }
    String[] commas = line.split(",", -1);
    if (commas.length == AdultParser.COLUMNS) {
      String last = commas[commas.length - 1].strip().toUpperCase(Locale.ROOT);
      if (last.startsWith(">50K") || last.startsWith("<=50K")) {
        return ADULT;
      }
    }
    if (commas.length == CriteoParser.FIELDS) {
      return SEED_CSV;
    }
    return null;
  }
}

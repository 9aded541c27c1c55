package io.wnd.ingest.read;

import io.wnd.avro.CriteoFeatures;

/**
 * Criteo rows: label, 13 integers, 26 categoricals. The TSV layout separates with tabs and leaves missing
 * values empty; the seed's CSV layout separates with commas, writes present values after one space and a
 * missing value as {@code "0 "} (a zero followed by a space, which no present value can be).
 */
final class CriteoParser implements LineParser {
  static final int FIELDS = 40;
  static final int INTS = 13;
  static final int CATS = 26;

  private final char separator;
  private final boolean seedCsv;
  private final int[] starts = new int[FIELDS + 1];
  private final int[] ends = new int[FIELDS + 1];

  private CriteoParser(char separator, boolean seedCsv) {
    this.separator = separator;
    this.seedCsv = seedCsv;
  }

  static CriteoParser tsv() {
    return new CriteoParser('\t', false);
  }

  static CriteoParser seedCsv() {
    return new CriteoParser(',', true);
  }

  @Override
  public Parsed parse(String line) throws BadRow {
    int n = 0;
    int start = 0;
    int len = line.length();
    for (int i = 0; i <= len; i++) {
      if (i == len || line.charAt(i) == separator) {
        if (n < starts.length) {
          starts[n] = start;
          ends[n] = i;
        }
        n++;
        start = i + 1;
      }
    }
    if (n != FIELDS) {
      throw new BadRow("expected " + FIELDS + " fields, found " + n);
    }
    int label = parseLabel(line);
    CriteoFeatures f = new CriteoFeatures();
    for (int k = 0; k < INTS; k++) {
      f.put(k, parseLong(line, k + 1));
    }
    for (int k = 0; k < CATS; k++) {
      f.put(INTS + k, text(line, 1 + INTS + k));
    }
    return new Parsed(label, f);
  }

  private int parseLabel(String line) throws BadRow {
    String s = text(line, 0);
    if ("0".equals(s)) {
      return 0;
    }
    if ("1".equals(s)) {
      return 1;
    }
    throw new BadRow("bad label '" + (s == null ? "" : s) + "' (expected 0 or 1)");
  }

  private Long parseLong(String line, int field) throws BadRow {
    String s = text(line, field);
    if (s == null) {
      return null;
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new BadRow("I" + field + " is not an integer: '" + cut(s) + "'");
    }
  }

  /** The field's value, or null when missing. */
  private String text(String line, int field) {
    int s = starts[field];
    int e = ends[field];
    if (seedCsv) {
      if (e - s == 2 && line.charAt(s) == '0' && line.charAt(s + 1) == ' ') {
        return null;
      }
      if (s < e && line.charAt(s) == ' ') {
        s++;
      }
    }
    return s == e ? null : line.substring(s, e);
  }

  private static String cut(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }
}

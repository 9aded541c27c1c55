package io.wnd.ingest.read;

import io.wnd.avro.CensusFeatures;
import io.wnd.ingest.Row;
import java.util.Set;

/**
 * UCI Adult rows: 14 comma+space separated columns in {@link CensusFeatures} order, then the income
 * bracket ({@code >50K} is the positive label; {@code adult.test} writes it with a trailing dot).
 * {@code ?} is a missing value.
 */
final class AdultParser implements LineParser {
  static final int COLUMNS = 15;
  private static final Set<Integer> LONG_COLUMNS = Set.of(0, 2, 4, 10, 11, 12);
  private static final String[] NAMES = {"age", "workclass", "fnlwgt", "education", "education_num",
      "marital_status", "occupation", "relationship", "race", "gender", "capital_gain", "capital_loss",
      "hours_per_week", "native_country", "income_bracket"};

  @Override
  public Parsed parse(String line) throws BadRow {
    String[] cols = line.split(",", -1);
    if (cols.length != COLUMNS) {
      throw new BadRow("expected " + COLUMNS + " columns, found " + cols.length);
    }
    CensusFeatures f = new CensusFeatures();
    for (int i = 0; i < COLUMNS - 1; i++) {
      String v = cols[i].strip();
      if (v.isEmpty() || "?".equals(v)) {
        f.put(i, null);
      } else if (LONG_COLUMNS.contains(i)) {
        try {
          f.put(i, Long.parseLong(v));
        } catch (NumberFormatException e) {
          throw new BadRow(NAMES[i] + " is not an integer: '" + v + "'");
        }
      } else {
        f.put(i, v);
      }
    }
    String label = cols[COLUMNS - 1].strip();
    if (label.endsWith(".")) {
      label = label.substring(0, label.length() - 1);
    }
    int y;
    if (">50K".equals(label)) {
      y = 1;
    } else if ("<=50K".equals(label)) {
      y = 0;
    } else if (label.isEmpty() || "?".equals(label)) {
      y = Row.NO_LABEL;
    } else {
      throw new BadRow("bad income_bracket '" + label + "' (expected >50K or <=50K)");
    }
    return new Parsed(y, f);
  }
}

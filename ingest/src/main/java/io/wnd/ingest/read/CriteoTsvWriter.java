package io.wnd.ingest.read;

import io.wnd.avro.CriteoFeatures;
import io.wnd.ingest.Row;
import java.io.IOException;
import java.io.Writer;

/** Writes rows in the Criteo TSV layout that {@link Format#CRITEO} reads: label, I1..I13, C1..C26, empty = missing. */
public final class CriteoTsvWriter {
  private final Writer out;
  private final StringBuilder line = new StringBuilder(512);

  /** @param out where the lines go (buffer it) */
  public CriteoTsvWriter(Writer out) {
    this.out = out;
  }

  /**
   * @param row a labelled row with {@link CriteoFeatures}
   * @throws IOException if writing fails
   * @throws IllegalArgumentException if the row has no label or other features
   */
  public void write(Row row) throws IOException {
    if (!(row.features() instanceof CriteoFeatures f) || row.label() == Row.NO_LABEL) {
      throw new IllegalArgumentException("only labelled Criteo rows can be written as Criteo TSV");
    }
    line.setLength(0);
    line.append(row.label());
    for (int i = 0; i < CriteoParser.INTS + CriteoParser.CATS; i++) {
      line.append('\t');
      Object v = f.get(i);
      if (v != null) {
        line.append(v);
      }
    }
    line.append('\n');
    out.append(line);
  }
}

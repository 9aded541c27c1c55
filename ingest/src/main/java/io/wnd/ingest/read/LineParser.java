package io.wnd.ingest.read;

import org.apache.avro.specific.SpecificRecord;

/** Parses one line of a format into a label and a feature record. */
interface LineParser {
  /**
   * @param line the line, without terminator
   * @return the parsed row's label and features
   * @throws BadRow with the reason the line is rejected
   */
  Parsed parse(String line) throws BadRow;

  /** @param label 0, 1 or {@link io.wnd.ingest.Row#NO_LABEL} @param features the feature record */
  record Parsed(int label, SpecificRecord features) {}
}

package io.wnd.ingest;

import org.apache.avro.specific.SpecificRecord;

/**
 * One input row: its position, its label if the format has one, and its features as the Avro feature
 * record the impressions carry ({@code CriteoFeatures} or {@code CensusFeatures}).
 *
 * @param line 1-based line number in its file (or sequence number for generated rows)
 * @param index 0-based row index among the good rows of its source; the basis of stable impression ids
 * @param label 1 clicked / positive, 0 not, {@link #NO_LABEL} when the input carries none
 * @param features the feature record
 */
public record Row(long line, long index, int label, SpecificRecord features) {
  /** The label of a row whose input has none (JSON instances to predict). */
  public static final int NO_LABEL = -1;

  /** @return whether the row is a positive (a click will be replayed for it) */
  public boolean positive() {
    return label == 1;
  }
}

package io.wnd.trainer;

import io.wnd.state.encode.Encoded;
import io.wnd.state.encode.Encoder;
import org.apache.avro.generic.IndexedRecord;

/**
 * One labelled example, already encoded: the unit of a mini-batch. A mini-batch is a {@code List<Example>}; the
 * trainer reads the {@link Encoded} arrays and keeps no reference to them after a call returns, so a caller may
 * reuse holders from one batch to the next.
 *
 * @param features the encoded features (ids, wide ids, numerics)
 * @param label    1 for a click, 0 otherwise
 */
public record Example(Encoded features, int label) {

    /**
     * Checks the label.
     *
     * @throws IllegalArgumentException if the label is not 0 or 1
     * @throws NullPointerException     if the features are null
     */
    public Example {
        if (features == null) {
            throw new NullPointerException("features");
        }
        if (label != 0 && label != 1) {
            throw new IllegalArgumentException("a label is 0 or 1, got " + label);
        }
    }

    /**
     * Encodes a feature record into a new holder.
     *
     * @param encoder  the spec's encoder
     * @param features the feature record ({@code CriteoFeatures}, {@code CensusFeatures}, or any record the
     *                 spec's columns name)
     * @param label    1 for a click, 0 otherwise
     * @return the example
     */
    public static Example encode(Encoder encoder, IndexedRecord features, int label) {
        return new Example(encoder.encode(features, encoder.newEncoded()), label);
    }
}

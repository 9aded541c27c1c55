package io.wnd.state.spec;

import java.util.List;
import java.util.Objects;

/**
 * One numeric column of a feature spec. Checked as part of the {@link FeatureSpec} that holds it.
 *
 * <p>Missing values: when the record's field is null, a {@code defaultValue} (a RAW value) is transformed like a
 * present one. Without a default, a dense column (every transform but bucketize) yields 0.0 — after the transform,
 * so a standardized column reads as its mean — and a bucketized column yields the feature's missing id.
 *
 * @param name         the feature's name (unique in the spec; crosses refer to it); it also salts the hash
 * @param field        the Avro field to read (several columns may read one field, e.g. age and age_buckets)
 * @param transform    how the raw value is turned into an input
 * @param boundaries   strictly ascending bucket boundaries; non-empty for {@link Transform#BUCKETIZE}, empty
 *                     otherwise
 * @param mean         the mean for {@link Transform#STANDARDIZE}, else null
 * @param std          the standard deviation (&gt; 0) for {@link Transform#STANDARDIZE}, else null
 * @param defaultValue the raw value used when the field is missing, or null (see above)
 */
public record NumericColumn(String name, String field, Transform transform, List<Double> boundaries, Double mean,
                            Double std, Double defaultValue) {

    /** Copies the boundaries so the column stays immutable. */
    public NumericColumn {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(transform, "transform");
        boundaries = List.copyOf(boundaries == null ? List.of() : boundaries);
    }

    /**
     * A column whose name is its field, with no default.
     *
     * @param name      the feature and field name
     * @param transform a transform that needs no parameters (log1p or identity)
     * @return the column
     */
    public static NumericColumn of(String name, Transform transform) {
        return new NumericColumn(name, name, transform, List.of(), null, null, null);
    }

    /**
     * Whether this column yields a categorical id (bucketize) rather than a number.
     *
     * @return true for {@link Transform#BUCKETIZE}
     */
    public boolean isBucketized() {
        return transform == Transform.BUCKETIZE;
    }
}

package io.wnd.state.spec;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How a numeric column's raw value becomes a model input. */
public enum Transform {
    /**
     * {@code log(1 + max(x, 0))}. Negative values are clamped to 0 first, as the usual Criteo preprocessing does
     * (e.g. DLRM's): in Criteo only I2 goes negative (down to a few units), and a log of a negative argument
     * would be NaN.
     */
    LOG1P,
    /**
     * The index of the bucket that holds x, given strictly ascending boundaries b0 &lt; b1 &lt; … &lt; bn-1:
     * bucket 0 is x &lt; b0, bucket i is b(i-1) &le; x &lt; b(i), bucket n is x &ge; b(n-1) (TensorFlow's
     * {@code bucketized_column}). The result is a categorical feature (an id), not a number.
     */
    BUCKETIZE,
    /** {@code (x - mean) / std}. */
    STANDARDIZE,
    /** x unchanged. */
    IDENTITY;

    /**
     * The name used in the JSON spec.
     *
     * @return e.g. {@code log1p}
     */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Looks a transform up by its JSON name.
     *
     * @param key  the JSON path, for the error message
     * @param name e.g. {@code log1p}
     * @return the transform
     * @throws SpecException if the name is unknown
     */
    public static Transform fromJson(String key, String name) {
        for (Transform t : values()) {
            if (t.jsonName().equals(name)) {
                return t;
            }
        }
        throw new SpecException(key, "unknown transform '" + name + "'; expected one of "
                + Arrays.stream(values()).map(Transform::jsonName).collect(Collectors.joining(", ")));
    }
}

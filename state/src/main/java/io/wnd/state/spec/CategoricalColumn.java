package io.wnd.state.spec;

import java.util.Objects;

/**
 * One categorical column: the value of {@code field} (a string, or any other Avro value through its text) is
 * hashed to a 64-bit id with xxHash64 salted by {@code name} (see {@code io.wnd.state.encode.FeatureHash}).
 *
 * @param name  the feature's name (unique in the spec; crosses refer to it); it also salts the hash
 * @param field the Avro field to read
 */
public record CategoricalColumn(String name, String field) {

    /** Checks for nulls. */
    public CategoricalColumn {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(field, "field");
    }

    /**
     * A column whose name is its field.
     *
     * @param name the feature and field name
     * @return the column
     */
    public static CategoricalColumn of(String name) {
        return new CategoricalColumn(name, name);
    }
}

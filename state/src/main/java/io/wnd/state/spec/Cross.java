package io.wnd.state.spec;

import java.util.List;
import java.util.Objects;

/**
 * A crossed feature of the wide part: the combination of two or more sparse features (categorical columns or
 * bucketized numeric columns), hashed from the members' ids (see {@code io.wnd.state.encode.FeatureHash}).
 *
 * @param name    the cross's name (unique in the spec; it salts the hash); by default the members joined by
 *                {@code _x_}
 * @param columns the names of the member features, in the order they are hashed
 */
public record Cross(String name, List<String> columns) {

    /** Copies the members so the cross stays immutable. */
    public Cross {
        Objects.requireNonNull(name, "name");
        columns = List.copyOf(columns);
    }

    /**
     * A cross with the default name.
     *
     * @param columns the member feature names
     * @return the cross named e.g. {@code C1_x_C2}
     */
    public static Cross of(String... columns) {
        return new Cross(defaultName(List.of(columns)), List.of(columns));
    }

    /**
     * The name a cross gets when the spec gives none.
     *
     * @param columns the member feature names
     * @return the members joined by {@code _x_}
     */
    public static String defaultName(List<String> columns) {
        return String.join("_x_", columns);
    }
}

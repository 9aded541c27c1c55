package io.wnd.state.spec;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Which parts make up the logit: logit = [wide] + [deep] + bias. */
public enum ModelType {
    /** A sparse linear model over the categorical ids and crosses only. */
    WIDE,
    /** Embeddings and numerics through the MLP only. */
    DEEP,
    /** Both, summed (DESIGN §4). */
    WIDE_AND_DEEP;

    /**
     * Whether the wide (sparse linear) part contributes to the logit.
     *
     * @return true for {@link #WIDE} and {@link #WIDE_AND_DEEP}
     */
    public boolean usesWide() {
        return this != DEEP;
    }

    /**
     * Whether the deep part (embeddings + MLP) contributes to the logit.
     *
     * @return true for {@link #DEEP} and {@link #WIDE_AND_DEEP}
     */
    public boolean usesDeep() {
        return this != WIDE;
    }

    /**
     * The name used in the JSON spec.
     *
     * @return e.g. {@code wide_and_deep}
     */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Looks a model type up by its JSON name.
     *
     * @param key  the JSON path, for the error message
     * @param name e.g. {@code wide_and_deep}
     * @return the model type
     * @throws SpecException if the name is unknown
     */
    public static ModelType fromJson(String key, String name) {
        for (ModelType m : values()) {
            if (m.jsonName().equals(name)) {
                return m;
            }
        }
        throw new SpecException(key, "unknown model type '" + name + "'; expected one of "
                + Arrays.stream(values()).map(ModelType::jsonName).collect(Collectors.joining(", ")));
    }
}

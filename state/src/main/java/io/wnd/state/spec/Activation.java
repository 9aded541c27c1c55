package io.wnd.state.spec;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The activation of the deep tower's hidden layers (the output layer is always linear: it yields a logit). */
public enum Activation {
    /** max(0, x). */
    RELU,
    /** tanh(x). */
    TANH,
    /** 1 / (1 + e^-x). */
    SIGMOID,
    /** x. */
    IDENTITY;

    /**
     * Applies the activation to one value.
     *
     * @param x the pre-activation
     * @return the activation
     */
    public float apply(float x) {
        switch (this) {
            case RELU:
                return x > 0f ? x : 0f;
            case TANH:
                return (float) Math.tanh(x);
            case SIGMOID:
                return (float) (1.0 / (1.0 + Math.exp(-x)));
            default:
                return x;
        }
    }

    /**
     * The name used in the JSON spec.
     *
     * @return e.g. {@code relu}
     */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Looks an activation up by its JSON name.
     *
     * @param key  the JSON path, for the error message
     * @param name e.g. {@code relu}
     * @return the activation
     * @throws SpecException if the name is unknown
     */
    public static Activation fromJson(String key, String name) {
        for (Activation a : values()) {
            if (a.jsonName().equals(name)) {
                return a;
            }
        }
        throw new SpecException(key, "unknown activation '" + name + "'; expected one of "
                + Arrays.stream(values()).map(Activation::jsonName).collect(Collectors.joining(", ")));
    }
}

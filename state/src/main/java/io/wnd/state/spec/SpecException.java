package io.wnd.state.spec;

/**
 * A feature spec that cannot be used: the message names the offending key (as a JSON path such as
 * {@code numeric[3].transform}) and the problem, so the user can fix the file without reading code.
 */
public final class SpecException extends IllegalArgumentException {

    private final String key;
    private final String problem;

    /**
     * Creates the exception.
     *
     * @param key     the JSON path of the offending key, e.g. {@code hidden_layers} or {@code crosses[1].columns}
     * @param problem what is wrong with it
     */
    public SpecException(String key, String problem) {
        super("feature spec: " + key + ": " + problem);
        this.key = key;
        this.problem = problem;
    }

    /**
     * Creates the exception with a cause (e.g. a JSON syntax error or an unreadable file).
     *
     * @param key     the JSON path of the offending key, or the file
     * @param problem what is wrong
     * @param cause   the underlying error
     */
    public SpecException(String key, String problem, Throwable cause) {
        super("feature spec: " + key + ": " + problem, cause);
        this.key = key;
        this.problem = problem;
    }

    /**
     * The JSON path of the offending key.
     *
     * @return e.g. {@code numeric[3].boundaries}
     */
    public String key() {
        return key;
    }

    /**
     * What is wrong with the key.
     *
     * @return the problem, without the key
     */
    public String problem() {
        return problem;
    }
}

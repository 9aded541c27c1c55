package io.wnd.trainer;

/**
 * The parts of a training step whose time {@link WideDeepTrainer#phaseNanos} counts: where a step's time goes, and
 * which parts grow with the size of the tables (the sparse ones: each key a lookup in a table of millions of rows)
 * and which do not (the dense tower's).
 */
public enum StepPhase {
    /** The wide part's forward pass: the batch's coordinates, their FTRL state looked up, the wide sums. */
    WIDE_FORWARD,
    /**
     * The embeddings' lookups (the rows, and the entries of ids without rows), and the deep input built from them.
     */
    EMBEDDING_FORWARD,
    /**
     * When training, the ids without embedding rows counted towards admission: their marks written, and the rows
     * of those that reached the threshold initialised and added. Work that only a large vocabulary makes often.
     */
    EMBEDDING_ADMISSION,
    /** DL4J's forward pass of the dense tower. */
    DEEP_FORWARD,
    /** FTRL's update of the coordinates the batch touched (new ones added). */
    WIDE_UPDATE,
    /** DL4J's back-propagation and Adam step, and the tower's parameters copied back. */
    DEEP_BACKWARD,
    /** Adagrad's update of the embedding rows the batch touched. */
    EMBEDDING_UPDATE;

    /** The phase's name in JSON reports: its constant's, in lower case. */
    public String jsonName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

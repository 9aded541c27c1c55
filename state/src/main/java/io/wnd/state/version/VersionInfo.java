package io.wnd.state.version;

import java.util.Map;

/**
 * A version as its manifest describes it (no weights): what {@code wnd versions list} shows.
 *
 * @param model model name
 * @param version version number
 * @param parent parent version
 * @param createdAtMillis publication time
 * @param examplesSeen examples trained on
 * @param metrics progressive metrics
 * @param bytes bytes of the version's records
 * @param sparseRecords sparse records written in the version
 * @param offset offset of its manifest on the models topic
 * @param consumed the examples topic's next offsets this version contains, by partition
 */
public record VersionInfo(String model, long version, long parent, long createdAtMillis, long examplesSeen,
    Map<String, Double> metrics, long bytes, int sparseRecords, long offset, Map<Integer, Long> consumed) {}

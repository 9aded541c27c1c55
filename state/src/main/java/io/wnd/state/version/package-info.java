/**
 * Model versions on the compacted models topic (DESIGN §5). A version is ONE Kafka transaction: the sparse
 * rows changed since the parent (one record per row, keyed by model, table, field and id, so compaction
 * keeps the latest value of every row and the topic alone holds the whole current model; a deleted row
 * is a tombstone), the dense weights in chunks under the topic's max message size, and last a manifest.
 * The {@link io.wnd.state.version.VersionReader} reads committed records only, stages a version's
 * records and hands it on only once its manifest has arrived and every checksum matches.
 */
package io.wnd.state.version;

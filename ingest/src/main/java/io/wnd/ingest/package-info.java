/**
 * Historical logs and synthetic traffic into Kafka: streaming readers of the Criteo TSV, the seed's CSV,
 * UCI Adult and JSON instances ({@link io.wnd.ingest.read}), {@code wnd replay}, and the synthetic
 * Criteo-like generator with a hidden ground-truth model ({@link io.wnd.ingest.generate}).
 */
package io.wnd.ingest;

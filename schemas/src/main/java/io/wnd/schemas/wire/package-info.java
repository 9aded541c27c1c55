/**
 * Avro single-object encoding on the wire: {@code C3 01}, the writer schema's 8-byte little-endian
 * CRC-64-AVRO fingerprint, then the Avro binary body. Writer schemas are resolved by fingerprint: the
 * compiled-in ones directly, others from the compacted schemas topic that writers publish to.
 */
package io.wnd.schemas.wire;

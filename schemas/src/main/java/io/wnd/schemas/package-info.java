/**
 * The contracts every app shares: the Avro event types (generated at build time into {@code io.wnd.avro}
 * from {@code src/main/avro}), the single-object wire format and its serdes ({@link io.wnd.schemas.wire}),
 * the registry of topics with their serdes and configs ({@link io.wnd.schemas.topics}), and the
 * dead-letter records bad input becomes ({@link io.wnd.schemas.deadletter}).
 */
package io.wnd.schemas;

/**
 * Turns one Avro feature record into the model's inputs, as the {@link io.wnd.state.spec.FeatureSpec} says: a
 * 64-bit id per sparse feature (categorical values hashed with xxHash64, bucket indices), an id per cross of the
 * wide part, and the transformed numerics. Fields are read by name through the record's schema, so any record
 * type works (Criteo, census, or a user's own). The hash definitions live in
 * {@link io.wnd.state.encode.FeatureHash} and are part of the model format: changing them invalidates every
 * stored model.
 */
package io.wnd.state.encode;

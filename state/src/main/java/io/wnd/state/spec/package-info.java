/**
 * The feature spec: a small JSON document that declares, for one model, which fields of the event's Avro feature
 * record are read and how (numeric with a transform, or categorical hashed to a 64-bit id), which crosses feed the
 * wide part, the shape of the deep tower, the optimizer settings, the sparse-table limits and the seed. Everything
 * that would otherwise be a hyper-parameter literal lives here ({@link io.wnd.state.spec.FeatureSpec}); a spec is
 * validated when it is built, and a bad one is refused with a {@link io.wnd.state.spec.SpecException} naming the
 * key and the problem. Named specs ({@code criteo}, {@code criteo-large}, {@code census}) ship as resources.
 */
package io.wnd.state.spec;

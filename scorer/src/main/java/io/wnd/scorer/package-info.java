/**
 * The scorer (DESIGN §1, §6): a Kafka Streams application that scores every impression with the model
 * version in service and joins clicks into labelled examples.
 *
 * <p>Public API: {@link io.wnd.scorer.ScorerConfig} (every setting, validated), {@link io.wnd.scorer.ScorerTopology}
 * (the pure topology factory that tests reuse), {@link io.wnd.scorer.ModelProvider} (the served model, fed
 * from the models topic by a background thread) and {@link io.wnd.scorer.ScorerApp} (start and stop the whole
 * app: streams, model reader and HTTP endpoint). Everything else lives in {@code io.wnd.scorer.internals}.
 */
package io.wnd.scorer;

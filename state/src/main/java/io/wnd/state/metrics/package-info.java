/**
 * Streaming quality metrics of click-through-rate predictions, computed in constant memory over an
 * unbounded stream of (predicted probability, label) pairs: ROC AUC from a fine histogram of predictions
 * per label ({@link io.wnd.state.metrics.BinnedAuc}), mean log loss and calibration
 * ({@link io.wnd.state.metrics.LogLoss}), and both together ({@link io.wnd.state.metrics.StreamMetrics}).
 *
 * <p>The accumulators are mutable and not thread-safe: one per consumer thread, combined with
 * {@code merge} when a global figure is wanted. {@link io.wnd.state.metrics.StreamMetrics.Snapshot} is the
 * immutable value to publish.
 */
package io.wnd.state.metrics;

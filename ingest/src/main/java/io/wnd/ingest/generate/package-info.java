/**
 * Synthetic Criteo-like traffic for demos, benchmarks and learning-quality checks.
 *
 * <p>{@link io.wnd.ingest.generate.CriteoGenerator} is a {@link io.wnd.ingest.RowReader} of impressions in
 * the Kaggle Criteo layout, deterministic for a seed, whose labels come from a hidden logistic model,
 * {@link io.wnd.ingest.generate.GroundTruth}. Because the true click probability of every row is known,
 * the generator also reports the AUC and log loss a perfect learner would reach, the ceiling to compare a
 * trained model against. Neither holds memory per categorical value: effects and category strings are
 * computed from hashes of (seed, field, value).
 */
package io.wnd.ingest.generate;

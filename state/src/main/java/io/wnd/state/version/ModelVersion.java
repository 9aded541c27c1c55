package io.wnd.state.version;

import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.TopicPartition;

/**
 * A version's manifest data, as the trainer publishes it and the reader hands it on.
 *
 * @param model model name
 * @param version version number (1 for the first)
 * @param parent the version it was derived from (0 for none)
 * @param createdAtMillis publication time
 * @param examplesSeen labelled examples trained on since the model was created
 * @param consumed next offsets of the examples topic this version contains
 * @param metrics progressive-validation metrics
 * @param specJson the feature spec as JSON
 * @param dense the dense weights, flat
 * @param bytes bytes of the version's records (known after publishing or reading; 0 before)
 */
public record ModelVersion(String model, long version, long parent, long createdAtMillis, long examplesSeen,
    Map<TopicPartition, Long> consumed, Map<String, Double> metrics, String specJson, float[] dense, long bytes) {
  /** Validates and copies. */
  public ModelVersion {
    Objects.requireNonNull(model, "model");
    if (model.isBlank() || model.contains("/")) {
      throw new IllegalArgumentException("model name must be non-blank without '/', got '" + model + "'");
    }
    if (version < 1) {
      throw new IllegalArgumentException("version must be >= 1, got " + version);
    }
    consumed = Map.copyOf(consumed);
    metrics = Map.copyOf(metrics);
    Objects.requireNonNull(specJson, "specJson");
    Objects.requireNonNull(dense, "dense");
  }

  /**
   * @param n the bytes
   * @return this version with its byte count
   */
  public ModelVersion withBytes(long n) {
    return new ModelVersion(model, version, parent, createdAtMillis, examplesSeen, consumed, metrics, specJson, dense, n);
  }
}

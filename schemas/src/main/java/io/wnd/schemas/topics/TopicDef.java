package io.wnd.schemas.topics;

import java.util.Map;

/**
 * One topic of the system.
 *
 * @param suffix the name after the prefix, e.g. {@code impressions} for {@code wnd.impressions}
 * @param partitions how many partitions {@code wnd topics create} gives it; 0 means the registry's default
 * @param compacted whether its cleanup policy is {@code compact} (else {@code delete})
 * @param configs further topic configs (for example {@code max.message.bytes})
 * @param doc what the topic carries, for {@code wnd topics describe}
 */
public record TopicDef(String suffix, int partitions, boolean compacted, Map<String, String> configs, String doc) {
  /** Validates and copies. */
  public TopicDef {
    if (suffix == null || suffix.isBlank()) {
      throw new IllegalArgumentException("topic suffix is empty");
    }
    configs = Map.copyOf(configs);
  }

  /** @return the {@code cleanup.policy} value this topic must have */
  public String cleanupPolicy() {
    return compacted ? "compact" : "delete";
  }
}

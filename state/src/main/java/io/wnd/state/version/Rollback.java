package io.wnd.state.version;

import io.wnd.schemas.topics.Topics;
import io.wnd.state.file.ModelFile;
import io.wnd.state.model.WideDeepModel;
import io.wnd.state.table.SparseTable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code wnd versions rollback V}: republishes the state of an earlier version as a NEW version whose parent is
 * the head, so that every scorer following the topic applies it like any other version, and a cold reader
 * rebuilds it. The new version carries the head's consumed offsets and examples count (a trainer continues
 * from where it was, on the rolled-back weights) and the metric {@value #ROLLED_BACK_FROM} naming the source.
 *
 * <p>The rows are the difference between the head and the source: rows whose values differ are written, rows
 * the head has and the source lacks become tombstones. The source is a model file ({@code wnd export}) or,
 * without one, the topic itself while it still holds every version up to the source completely.
 *
 * <p>The publisher uses the trainer's transactional id, {@link #trainerTransactionalId}: opening it fences a
 * running trainer (its open transaction is aborted), so the head cannot move while the rollback publishes.
 * A fenced trainer sees the rollback version appear (its manifest has {@value #ROLLED_BACK_FROM}), restores
 * it and resumes.
 */
public final class Rollback {
  /** The manifest metric naming the version a rollback version was copied from. */
  public static final String ROLLED_BACK_FROM = "rolled_back_from";

  private static final Logger LOG = LoggerFactory.getLogger(Rollback.class);

  private Rollback() {}

  /**
   * @param model the model name
   * @return the transactional id the trainer of a model publishes with (one active publisher per model)
   */
  public static String trainerTransactionalId(String model) {
    return "wnd-trainer-" + model;
  }

  /**
   * What a rollback published.
   *
   * @param model the model
   * @param from the version whose state was republished
   * @param version the new version
   * @param parent its parent (the head before the rollback)
   * @param rowsWritten sparse rows written (changed or restored)
   * @param rowsDeleted sparse rows deleted (absent from the source)
   * @param source where the source's state came from: "topic" or the model file
   * @param published the publish's cost
   */
  public record Result(String model, long from, long version, long parent, long rowsWritten, long rowsDeleted,
      String source, VersionPublisher.Published published) {}

  /**
   * Rolls back.
   *
   * @param clientConfig Kafka client settings
   * @param topics the registry
   * @param model the model
   * @param target the version to roll back to
   * @param modelFile an exported snapshot of {@code target}, or null to rebuild it from the topic
   * @param clock the new version's time
   * @param timeout how long each read of the topic may take
   * @return what was published
   * @throws IllegalArgumentException with a one-line message if {@code target} is not a version of the model, the
   *     topic no longer holds it completely and no model file was given, or the file is of another model or version
   * @throws IOException if the model file cannot be read
   */
  public static Result rollback(Map<String, Object> clientConfig, Topics topics, String model, long target,
      Path modelFile, Clock clock, Duration timeout) throws IOException {
    List<VersionInfo> versions = Manifests.list(clientConfig, topics, model);
    if (versions.stream().noneMatch(v -> v.version() == target) && modelFile == null) {
      throw new IllegalArgumentException("model " + model + " has no version " + target + " (versions: "
          + versions.stream().map(VersionInfo::version).toList() + ")");
    }
    // the source first: an error here must not disturb a running trainer
    ModelVersion source;
    WideDeepModel sourceModel;
    if (modelFile != null) {
      ModelFile.Loaded loaded = ModelFile.read(modelFile);
      source = loaded.version();
      sourceModel = loaded.model();
      if (!source.model().equals(model) || source.version() != target) {
        throw new IllegalArgumentException(modelFile + " holds " + source.model() + " v" + source.version() + ", not "
            + model + " v" + target);
      }
      // the same name and number can label another model (e.g. wnd fit's first version): the manifest tells
      long created = source.createdAtMillis();
      versions.stream().filter(i -> i.version() == target && i.createdAtMillis() != created).findFirst()
          .ifPresent(i -> {
            throw new IllegalArgumentException(modelFile + " holds a " + model + " v" + target + " created at "
                + java.time.Instant.ofEpochMilli(created) + ", not the v" + target + " on "
                + topics.name(Topics.MODELS) + " (created at " + java.time.Instant.ofEpochMilli(i.createdAtMillis())
                + "): export that one with wnd export");
          });
    } else {
      TableSink sink = new TableSink();
      try (VersionReader reader = new VersionReader(clientConfig, topics, model, sink)) {
        if (!reader.rebuild(target, timeout)) {
          throw new IllegalArgumentException("v" + target + " of " + model + " can no longer be rebuilt from "
              + topics.name(Topics.MODELS) + " (compaction has removed some of its records): pass --model-file with "
              + "a snapshot of it (wnd export)");
        }
      }
      source = sink.version();
      sourceModel = sink.model();
    }
    try (VersionPublisher publisher = new VersionPublisher(clientConfig, topics, trainerTransactionalId(model))) {
      // the trainer is fenced from here on: the head read now is the one the new version follows
      TableSink head = new TableSink();
      long parent;
      try (VersionReader reader = new VersionReader(clientConfig, topics, model, head).ignoringPins()) {
        parent = reader.catchUp(timeout);
      }
      if (parent == 0) {
        throw new IllegalArgumentException("model " + model + " has no version in service to roll back");
      }
      WideDeepModel headModel = head.model();
      if (!headModel.spec().equals(sourceModel.spec())) {
        throw new IllegalArgumentException("v" + target + " was trained with another feature spec than v" + parent
            + " in service: a scorer could not apply it");
      }
      SparseDelta wide = diff(headModel.wide(), sourceModel.wide(), Table.WIDE);
      SparseDelta emb = diff(headModel.embeddings(), sourceModel.embeddings(), Table.EMBEDDING);
      Map<String, Double> metrics = new LinkedHashMap<>(source.metrics());
      metrics.put(ROLLED_BACK_FROM, (double) target);
      ModelVersion head0 = head.version();
      ModelVersion v = new ModelVersion(model, parent + 1, parent, clock.millis(), head0.examplesSeen(), head0.consumed(),
          metrics, source.specJson(), source.dense(), 0);
      VersionPublisher.Published p = publisher.publish(v, List.of(wide, emb), Map.of(), null);
      long deleted = deletions(wide) + deletions(emb);
      long written = wide.size() + emb.size() - deleted;
      LOG.info("rolled {} back to v{} as v{} (parent v{}): {} rows written, {} deleted", model, target, v.version(),
          parent, written, deleted);
      return new Result(model, target, v.version(), parent, written, deleted,
          modelFile == null ? "topic" : modelFile.toString(), p);
    }
  }

  /**
   * The rows that turn {@code head} into {@code source}.
   *
   * @param head the table in service
   * @param source the table wanted
   * @param table which table
   * @return changed or missing rows as puts, rows absent from {@code source} as deletes
   */
  static SparseDelta diff(SparseTable head, SparseTable source, Table table) {
    int dim = source.dim();
    SparseDelta d = new SparseDelta(table, dim);
    float[] row = new float[dim];
    source.forEach((field, id, values, offset) -> {
      if (!head.read(field, id, row, 0) || !Arrays.equals(row, 0, dim, values, offset, offset + dim)) {
        d.put(field, id, values, offset);
      }
    });
    float[] probe = new float[dim];
    head.forEach((field, id, values, offset) -> {
      if (!source.read(field, id, probe, 0)) {
        d.delete(field, id);
      }
    });
    return d;
  }

  private static long deletions(SparseDelta d) {
    long n = 0;
    for (int i = 0; i < d.size(); i++) {
      if (d.deleted(i)) {
        n++;
      }
    }
    return n;
  }
}

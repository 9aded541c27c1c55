package io.wnd.cli;

import io.wnd.state.spec.FeatureSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** The {@code --spec} option: a built-in name or a file. */
final class Specs {
  private Specs() {}

  /**
   * A hint for rows that a spec cannot encode: which built-in spec reads rows of their kind.
   *
   * @param features a row's feature record
   * @param what what to do with the spec, e.g. "use" or "a model trained with"
   * @return e.g. "; these are census rows: use --spec census", or "" for a kind no built-in spec reads
   */
  static String hintFor(Object features, String what) {
    if (features instanceof io.wnd.avro.CensusFeatures) {
      return "; these are census rows: " + what + " --spec census";
    }
    if (features instanceof io.wnd.avro.CriteoFeatures) {
      return "; these are Criteo rows: " + what + " --spec criteo or criteo-large (or a spec file written for them)";
    }
    return "";
  }

  static FeatureSpec load(CommandSpec spec, String nameOrFile) {
    try {
      if (FeatureSpec.builtinNames().contains(nameOrFile)) {
        return FeatureSpec.builtin(nameOrFile);
      }
      Path p = Path.of(nameOrFile);
      if (!Files.exists(p)) {
        throw new ParameterException(spec.commandLine(), "--spec: '" + nameOrFile + "' is neither a built-in spec "
            + FeatureSpec.builtinNames() + " nor a file");
      }
      return FeatureSpec.load(p);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--spec: " + e.getMessage(), e);
    }
  }

  /** The spec with {@code --model-type} applied, when given. */
  static FeatureSpec withModelType(CommandSpec spec, FeatureSpec fs, String modelType) {
    if (modelType == null) {
      return fs;
    }
    try {
      return fs.withModelType(io.wnd.state.spec.ModelType.valueOf(modelType.toUpperCase(java.util.Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--model-type must be wide, deep or wide_and_deep, got " + modelType);
    }
  }
}

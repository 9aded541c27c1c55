package io.wnd.cli;

import io.wnd.state.spec.FeatureSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** The {@code --spec} option: a built-in name or a file. */
final class Specs {
  private Specs() {}

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

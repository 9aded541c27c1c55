package io.wnd.cli;

import io.wnd.ingest.read.RejectsFile;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Checks of the files a command reads and writes, made before its work starts, and the rejects file's messages. */
final class FileArgs {
  private static final String REJECTS_HEADER = "source\tline\treason\ttext";

  private FileArgs() {
  }

  /**
   * Refuses an output path that is one of the inputs (writing it would destroy what is being read).
   *
   * @param spec the command, for the usage error (exit 2)
   * @param option the output's option, e.g. {@code --rejects}
   * @param output the output path
   * @param inputs the inputs, each list may be null
   */
  @SafeVarargs
  static void checkNotAnInput(CommandSpec spec, String option, Path output, List<Path>... inputs) {
    for (List<Path> list : inputs) {
      if (list == null) {
        continue;
      }
      for (Path in : list) {
        if (same(output, in)) {
          throw new ParameterException(spec.commandLine(), option + " " + output + " is also an input: writing it "
              + "would destroy it; choose another path");
        }
      }
    }
  }

  /** Whether two paths name the same file (the same file system object when both exist). */
  static boolean same(Path a, Path b) {
    try {
      if (Files.exists(a) && Files.exists(b)) {
        return Files.isSameFile(a, b);
      }
    } catch (IOException e) {
      // compare the names
    }
    return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
  }

  /**
   * Removes the rejects file an earlier run left at this path (recognised by its header line), so that after this
   * run the file holds this run's rejects, or does not exist when there were none. Anything else at the path is
   * left alone (it would be replaced by the first reject).
   *
   * @param rejects the rejects path
   */
  static void clearOldRejects(Path rejects) throws IOException {
    if (!Files.isRegularFile(rejects)) {
      return;
    }
    String first;
    try (BufferedReader r = Files.newBufferedReader(rejects, StandardCharsets.UTF_8)) {
      first = r.readLine();
    } catch (IOException e) {
      return; // not ours to judge
    }
    if (REJECTS_HEADER.equals(first)) {
      Files.delete(rejects);
    }
  }

  /**
   * Says where the rejected lines went, when there were any.
   *
   * @param err where to say it
   * @param rejects the rejects file
   */
  static void printRejects(PrintWriter err, RejectsFile rejects) {
    if (rejects.count() > 0) {
      err.printf(Locale.ROOT, "%,d rejected line(s) written to %s%n", rejects.count(), rejects.file());
    }
  }

  /**
   * The same, as the end of an error message.
   *
   * @param rejects the rejects file
   * @return "" when there were none
   */
  static String rejectsNote(RejectsFile rejects) {
    return rejects.count() == 0 ? "" : String.format(Locale.ROOT, "; %,d line(s) rejected (see %s)", rejects.count(),
        rejects.file());
  }
}

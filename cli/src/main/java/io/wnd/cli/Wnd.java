package io.wnd.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code wnd} command line. */
@Command(name = "wnd", mixinStandardHelpOptions = true, usageHelpWidth = 110, versionProvider = Wnd.Version.class,
    description = {"WnD Stream: an online-learning Wide & Deep click-through-rate service on Kafka.", ""},
    subcommands = {DemoCommand.class, KafkaCommand.class, TopicsCommand.class, ReplayCommand.class, GenerateCommand.class, PredictCommand.class, ExportCommand.class, ScoreCommand.class, FitCommand.class, EvaluateCommand.class, TrainCommand.class, VersionsCommand.class, BenchCommand.class, ChaosCommand.class, CommandLine.HelpCommand.class},
    footer = {"", "Run 'wnd <command> --help' for the options of a command.",
        "Exit codes: 0 ok, 1 runtime error (one line; --verbose for the stack trace), 2 usage error."})
public final class Wnd {
  @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
      description = "Print stack traces of errors and more log output.")
  boolean verbose;

  /**
   * Runs the command line and returns its exit code, without exiting.
   *
   * @param args the arguments
   * @return 0 ok, 1 runtime error, 2 usage error
   */
  public static int run(String... args) {
    return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
  }

  /**
   * Runs the command line with the given output streams, without exiting.
   *
   * @param out command output (and the {@code --json} line)
   * @param err errors and usage messages
   * @param args the arguments
   * @return 0 ok, 1 runtime error, 2 usage error
   */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    Wnd root = new Wnd();
    CommandLine cl = new CommandLine(root);
    cl.setOut(out);
    cl.setErr(err);
    // a usage error: its message, what was meant if picocli can tell, and where the usage is (not the whole usage,
    // which buries the message)
    cl.setParameterExceptionHandler((ex, given) -> {
      CommandLine commandLine = ex.getCommandLine();
      PrintWriter w = commandLine.getErr();
      String name = commandLine.getCommandSpec().qualifiedName();
      w.println(name + ": " + ex.getMessage());
      CommandLine.UnmatchedArgumentException.printSuggestions(ex, w);
      w.println("Run '" + name + " --help' for usage.");
      w.flush();
      return CommandLine.ExitCode.USAGE;
    });
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      PrintWriter w = commandLine.getErr();
      String name = commandLine.getCommandSpec().qualifiedName();
      if (ex instanceof CommandLine.ParameterException pe) {
        // a bad option value found only when the command ran: still a usage error
        w.println(name + ": " + pe.getMessage());
        w.println("Run '" + name + " --help' for usage.");
        w.flush();
        return CommandLine.ExitCode.USAGE;
      }
      boolean verbose = parseResult.originalArgs().contains("--verbose");
      w.println(name + ": error: " + oneLine(ex));
      if (verbose) {
        ex.printStackTrace(w);
      } else {
        w.println("(run with --verbose for the stack trace)");
      }
      w.flush();
      return 1;
    });
    return cl.execute(args);
  }

  /**
   * Entry point: exits with {@link #run}'s code.
   *
   * @param args the arguments
   */
  public static void main(String[] args) {
    io.wnd.trainer.Backend.skipResidentMemoryChecks();
    System.exit(run(args));
  }

  static String oneLine(Throwable ex) {
    Throwable t = ex;
    // a wrapper that says nothing of its own (no message, or just its cause's class and message, as
    // UncheckedIOException(cause) does): the cause's message, without "java.io.IOException: "
    while (t.getCause() != null && (t.getMessage() == null || t.getMessage().equals(t.getCause().toString()))) {
      t = t.getCause();
    }
    String msg = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    // the Kafka clients' constructors say only that they failed ("Failed to create new KafkaAdminClient"); the
    // reason is the cause's (e.g. "No resolvable bootstrap urls given in bootstrap.servers")
    if (t instanceof org.apache.kafka.common.KafkaException && msg.startsWith("Failed to c") && t.getCause() != null
        && t.getCause().getMessage() != null) {
      msg = msg + ": " + t.getCause().getMessage();
    }
    return msg.replace('\n', ' ');
  }

  /** The version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Wnd.class.getPackage().getImplementationVersion();
      return new String[] {"wnd " + (v == null ? "(development build)" : v)};
    }
  }
}

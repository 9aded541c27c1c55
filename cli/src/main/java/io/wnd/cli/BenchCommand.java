package io.wnd.cli;

import picocli.CommandLine.Command;

/** {@code wnd bench}: benchmarks on a real broker. */
@Command(name = "bench", mixinStandardHelpOptions = true, usageHelpWidth = 110,
    description = {"Benchmarks on a real broker (started locally unless -b names one). Numbers, not assertions.", ""},
    subcommands = {BenchIngestCommand.class, BenchVersionsCommand.class, BenchTrainCommand.class, BenchScoreCommand.class})
final class BenchCommand {}

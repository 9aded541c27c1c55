/**
 * The {@code wnd} command: one picocli subcommand per job (kafka, topics, ...). Exit codes: 0 ok, 1 a
 * runtime error reported in one line (the stack trace only with {@code --verbose}), 2 a usage error.
 * Every command that reports has {@code --json}: one JSON object on the last line of stdout.
 */
package io.wnd.cli;

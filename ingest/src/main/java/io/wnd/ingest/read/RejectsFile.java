package io.wnd.ingest.read;

import io.wnd.ingest.Rejects;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Rejected lines, counted, the first few shown to a person, all written to a TSV file
 * ({@code source, line, reason, text}) created on the first reject. Thread-safe.
 */
public final class RejectsFile implements Rejects, AutoCloseable {
  private final Path file;
  private final int show;
  private final Consumer<String> shown;
  private final AtomicLong count = new AtomicLong();
  private BufferedWriter out;

  /**
   * @param file where all rejects go (created on the first one)
   * @param show how many to pass to {@code shown}
   * @param shown receives the first {@code show} rejects as one-line messages
   */
  public RejectsFile(Path file, int show, Consumer<String> shown) {
    this.file = file;
    this.show = show;
    this.shown = shown;
  }

  @Override
  public synchronized void reject(String source, long line, String reason, String text) {
    long n = count.incrementAndGet();
    if (n <= show) {
      shown.accept(source + ":" + line + ": " + reason);
    }
    try {
      if (out == null) {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        out.write("source\tline\treason\ttext\n");
      }
      out.write(source + "\t" + line + "\t" + clean(reason) + "\t" + clean(text) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write rejects file " + file + ": " + e.getMessage(), e);
    }
  }

  /** @return rejects so far */
  public long count() {
    return count.get();
  }

  /** @return the rejects file (which exists only if there were rejects) */
  public Path file() {
    return file;
  }

  @Override
  public synchronized void close() throws IOException {
    if (out != null) {
      out.close();
    }
  }

  private static String clean(String s) {
    String t = s.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    return t.length() > 10_000 ? t.substring(0, 10_000) + "..." : t;
  }
}

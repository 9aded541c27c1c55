package io.wnd.cli;

import io.wnd.ingest.Rejects;
import io.wnd.ingest.Row;
import io.wnd.ingest.read.FileRowReader;
import io.wnd.ingest.read.Format;
import io.wnd.state.encode.Encoder;
import io.wnd.trainer.Example;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.avro.generic.IndexedRecord;

/**
 * Labelled files as training examples, streamed: every iteration re-reads the files (one epoch), so memory
 * stays constant whatever their size. Rows without a label are skipped; bad lines go to the rejects file.
 */
final class TrainingInputs implements Iterable<Example> {
  private final List<Path> files;
  private final Format format;
  private final Encoder encoder;
  private final long skip;
  private final long limit;
  private Rejects rejects;

  TrainingInputs(List<Path> files, Format format, Encoder encoder, long skip, long limit, Rejects rejects)
      throws IOException {
    for (Path f : files) {
      if (!Files.exists(f)) {
        throw new NoSuchFileException(f + ": no such file");
      }
      if (Files.isDirectory(f)) {
        throw new IOException(f + " is a directory, not a file of rows");
      }
    }
    this.files = List.copyOf(files);
    this.format = format;
    this.encoder = encoder;
    this.skip = skip;
    this.limit = limit;
    this.rejects = rejects;
  }

  /**
   * Sends the bad lines of the passes from now on elsewhere (a later epoch reads the same lines again: their rejects
   * were reported by the first).
   *
   * @param to where they go
   */
  void rejectsTo(Rejects to) {
    this.rejects = to;
  }

  /** Rows the last pass read (labelled or not, skipped ones included) and those without a label. */
  private long rowsRead;
  private long unlabelled;

  /**
   * Why the last pass gave no example: what it read, in words (for an error message).
   *
   * @return e.g. "12 rows read, 12 without a label"
   */
  String emptyReason() {
    return String.format(java.util.Locale.ROOT, "%,d rows read, %,d without a label, %,d skipped (--skip %d)%s",
        rowsRead, unlabelled, Math.min(skip, Math.max(0, rowsRead - unlabelled)), skip, limit >= 0 ? ", --limit " + limit : "");
  }

  @Override
  public Iterator<Example> iterator() {
    rowsRead = 0;
    unlabelled = 0;
    return new Iterator<>() {
      private int file = -1;
      private FileRowReader reader;
      private Example next;
      private long seen;
      private long taken;

      @Override
      public boolean hasNext() {
        if (next != null) {
          return true;
        }
        try {
          while (limit < 0 || taken < limit) {
            if (reader == null) {
              if (++file >= files.size()) {
                return false;
              }
              reader = FileRowReader.open(files.get(file), format, rejects);
            }
            Row r = reader.next();
            if (r == null) {
              reader.close();
              reader = null;
              continue;
            }
            rowsRead++;
            if (r.label() == Row.NO_LABEL) {
              unlabelled++;
              continue;
            }
            if (seen++ < skip) {
              continue;
            }
            taken++;
            try {
              next = Example.encode(encoder, (IndexedRecord) r.features(), r.label());
            } catch (IllegalArgumentException e) {
              // the spec reads fields the rows do not have: every row is of the wrong kind, not this one
              throw new IllegalArgumentException(e.getMessage() + Specs.hintFor(r.features(), "use"), e);
            }
            return true;
          }
          if (reader != null) {
            reader.close();
            reader = null;
          }
          return false;
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }

      @Override
      public Example next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Example e = next;
        next = null;
        return e;
      }
    };
  }
}

package io.wnd.cli;

import io.wnd.ingest.Rejects;
import io.wnd.ingest.Row;
import io.wnd.ingest.RowReader;
import io.wnd.ingest.generate.CriteoGenerator;
import io.wnd.ingest.read.FileRowReader;
import io.wnd.ingest.read.Format;
import io.wnd.ingest.replay.Replayer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/** The inputs of the replay-like commands ({@code replay}, {@code generate}, {@code demo}): files or the generator. */
final class Sources {
  private Sources() {}

  /**
   * The files, in order, each in the given format or its detected one.
   *
   * @param files the files
   * @param fixed the format of every file, or null to detect each
   * @param rejects where bad lines go
   * @return one source per file
   * @throws IOException with a one-line message if a file is missing or its format cannot be told
   */
  static List<Replayer.Source> files(List<Path> files, Format fixed, Rejects rejects) throws IOException {
    List<Replayer.Source> sources = new ArrayList<>();
    for (Path f : files) {
      if (!Files.exists(f)) {
        throw new NoSuchFileException(f + ": no such file");
      }
    }
    List<String> names = names(files);
    for (int i = 0; i < files.size(); i++) {
      Path f = files.get(i);
      sources.add(new FileSource(f, names.get(i), fixed != null ? fixed : Format.detect(f), rejects));
    }
    return sources;
  }

  /**
   * The names of the inputs, from which their rows' impression ids are made ({@code <name>:<line>}): each file's
   * name, or, for files of the same name in different directories (a day's {@code part-00000.tsv} next to another
   * day's), as many of its last path elements as tell it apart from the others (e.g. {@code d1/part-00000.tsv}),
   * so that no two rows get the same id.
   *
   * @param files the files (existing)
   * @return their names, in order
   * @throws IOException if a file is given twice (its rows would have the same ids twice)
   */
  static List<String> names(List<Path> files) throws IOException {
    List<Path> real = new ArrayList<>();
    List<Path> given = new ArrayList<>();
    for (Path f : files) {
      Path r = f.toRealPath();
      int before = real.indexOf(r);
      if (before >= 0) {
        throw new IOException(f + " is given twice (as " + files.get(before) + " too): its rows would get the same "
            + "impression ids twice, and the second would be dropped as duplicates");
      }
      real.add(r);
      // named as given (a link by its own name), with its directories made whole
      given.add(f.toAbsolutePath().normalize());
    }
    List<String> names = new ArrayList<>();
    for (Path g : given) {
      int depth = 1;
      while (depth < g.getNameCount() && collides(given, g, depth)) {
        depth++;
      }
      names.add(g.subpath(g.getNameCount() - depth, g.getNameCount()).toString().replace('\\', '/'));
    }
    return names;
  }

  private static boolean collides(List<Path> real, Path r, int depth) {
    Path tail = r.subpath(r.getNameCount() - depth, r.getNameCount());
    for (Path o : real) {
      if (o != r && o.getNameCount() >= depth && o.subpath(o.getNameCount() - depth, o.getNameCount()).equals(tail)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The generator as a source.
   *
   * @param seed its seed
   * @param count rows to generate, -1 for no end
   * @param clickRate the ground truth's mean click probability
   * @param last receives the generator each time the source is opened (for its ground-truth metrics)
   * @return the source
   */
  static Replayer.Source generated(long seed, long count, double clickRate, AtomicReference<CriteoGenerator> last) {
    return generated(seed, count, clickRate, Integer.MAX_VALUE, last);
  }

  /**
   * Generated rows with at most {@code maxCardinality} values per categorical field (see {@link CriteoGenerator}).
   */
  static Replayer.Source generated(long seed, long count, double clickRate, int maxCardinality,
      AtomicReference<CriteoGenerator> last) {
    return generated(seed, 0, count, clickRate, maxCardinality, last);
  }

  /** Generated rows of one of a seed's streams (see {@link CriteoGenerator}). */
  static Replayer.Source generated(long seed, long stream, long count, double clickRate, int maxCardinality,
      AtomicReference<CriteoGenerator> last) {
    return new Replayer.Source() {
      @Override
      public String name() {
        return "generated-seed-" + seed + (stream == 0 ? "" : "-stream-" + stream);
      }

      @Override
      public RowReader open() {
        CriteoGenerator g = new CriteoGenerator(seed, count, clickRate, CriteoGenerator.DEFAULT_ZIPF_EXPONENT,
            maxCardinality, stream);
        last.set(g);
        return g;
      }
    };
  }

  /**
   * A source whose rows get impression ids {@code <prefix><name>:<line>}: a demo run replaying the same input
   * again into the same topics makes new impressions instead of duplicates.
   *
   * @param prefix prepended to the input's name
   * @param source the source
   * @return the renamed source
   */
  static Replayer.Source prefixed(String prefix, Replayer.Source source) {
    return new Replayer.Source() {
      @Override
      public String name() {
        return prefix + source.name();
      }

      @Override
      public RowReader open() throws IOException {
        RowReader r = source.open();
        return new RowReader() {
          @Override
          public Row next() throws IOException {
            return r.next();
          }

          @Override
          public String name() {
            return prefix + r.name();
          }

          @Override
          public long bytesRead() {
            return r.bytesRead();
          }

          @Override
          public void close() throws IOException {
            r.close();
          }
        };
      }

      @Override
      public long size() {
        return source.size();
      }
    };
  }

  /**
   * The sources one after the other, again and again until the replay stops (its duration): pass n &gt; 1
   * prefixes the impression ids with {@code pass<n>/}, so every pass makes new impressions.
   *
   * @param sources the inputs
   * @return one endless source
   */
  static Replayer.Source looped(List<Replayer.Source> sources) {
    String name = String.join("+", sources.stream().map(Replayer.Source::name).toList());
    return new Replayer.Source() {
      @Override
      public String name() {
        return "loop(" + name + ")";
      }

      @Override
      public RowReader open() {
        return new RowReader() {
          private int pass = 1;
          private int next;
          private RowReader current;
          private String prefix = "";

          @Override
          public Row next() throws IOException {
            int empty = 0;
            while (true) {
              if (current == null) {
                if (next == sources.size()) {
                  next = 0;
                  pass++;
                  prefix = "pass" + pass + "/";
                }
                current = sources.get(next++).open();
              }
              Row r = current.next();
              if (r != null) {
                return r;
              }
              current.close();
              current = null;
              if (++empty > sources.size()) {
                return null; // a whole pass without a row: nothing to loop over
              }
            }
          }

          @Override
          public String name() {
            return current == null ? name : prefix + current.name();
          }

          @Override
          public void close() throws IOException {
            if (current != null) {
              current.close();
            }
          }
        };
      }
    };
  }

  /** A file input. */
  record FileSource(Path file, String name, Format format, Rejects rejects) implements Replayer.Source {
    @Override
    public RowReader open() throws IOException {
      return FileRowReader.open(file, name, format, rejects);
    }

    @Override
    public long size() {
      try {
        return Files.size(file);
      } catch (IOException e) {
        return -1;
      }
    }
  }
}

package io.wnd.state.file;

import io.wnd.avro.ModelManifest;
import io.wnd.avro.ModelRecord;
import io.wnd.avro.TopicOffset;
import io.wnd.schemas.topics.Topics;
import io.wnd.state.model.DenseTower;
import io.wnd.state.model.WideDeepModel;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.table.InMemorySparseTable;
import io.wnd.state.table.SparseTable;
import io.wnd.state.version.ModelVersion;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import java.util.zip.CRC32C;
import org.apache.kafka.common.TopicPartition;

/**
 * Writes and reads model files.
 *
 * <p>Format 1, all numbers big-endian: the 8 bytes {@code WNDMODEL}; int32 format version (1); int32 length
 * then the manifest as an Avro single-object {@code ModelRecord}; int32 n then n float32 dense weights;
 * then per table (wide, embedding): int32 dim, int32 fields, int64 rows, and rows of (int32 field, int64 id,
 * dim float32); last the int64 CRC-32C of every byte before it. Writes go to a temporary file renamed into
 * place, so a crash never leaves a half file under the final name.
 */
public final class ModelFile {
  /** The first 8 bytes of every model file. */
  public static final byte[] MAGIC = "WNDMODEL".getBytes(StandardCharsets.US_ASCII);
  /** The format this build writes. */
  public static final int FORMAT = 1;

  private ModelFile() {}

  /**
   * A model read from a file.
   *
   * @param version its manifest data and dense weights
   * @param spec its feature spec
   * @param model its parameters, ready for a forward pass
   */
  public record Loaded(ModelVersion version, FeatureSpec spec, WideDeepModel model) {}

  /**
   * Writes a model file.
   *
   * @param file where (replaced atomically)
   * @param version manifest data; its dense weights are written as they are
   * @param wide the wide table
   * @param embeddings the embedding table
   * @throws IOException if the file cannot be written
   */
  public static void write(Path file, ModelVersion version, SparseTable wide, SparseTable embeddings) throws IOException {
    checkTarget(file);
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    // created as any new file is (the umask's permissions), where createTempFile would make it owner-only
    Path tmp = dir.resolve("." + file.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
    Files.createFile(tmp);
    CRC32C crc = new CRC32C();
    try (OutputStream raw = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16);
        CheckedOutputStream checked = new CheckedOutputStream(raw, crc);
        DataOutputStream out = new DataOutputStream(checked)) {
      out.write(MAGIC);
      out.writeInt(FORMAT);
      byte[] manifest = Topics.serdes(null).models().serialize("", new ModelRecord(manifest(version, wide, embeddings)));
      out.writeInt(manifest.length);
      out.write(manifest);
      float[] dense = version.dense();
      out.writeInt(dense.length);
      for (float f : dense) {
        out.writeFloat(f);
      }
      for (SparseTable t : List.of(wide, embeddings)) {
        out.writeInt(t.dim());
        out.writeInt(t.fields());
        long[] count = {0};
        t.forEach((field, id, values, offset) -> count[0]++);
        out.writeLong(count[0]);
        IOException[] failed = {null};
        t.forEach((field, id, values, offset) -> {
          if (failed[0] != null) {
            return;
          }
          try {
            out.writeInt(field);
            out.writeLong(id);
            for (int i = 0; i < t.dim(); i++) {
              out.writeFloat(values[offset + i]);
            }
          } catch (IOException e) {
            failed[0] = e;
          }
        });
        if (failed[0] != null) {
          throw failed[0];
        }
      }
      out.flush();
      long sum = crc.getValue();
      new DataOutputStream(raw).writeLong(sum);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    try {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
  }

  /**
   * Checks that a model file may be written at a path, before the work that makes it: the path is not a directory,
   * no file stands where a directory above it must be, and what is there already, if anything, is a model file (or
   * empty), so that an export never replaces a user's data file.
   *
   * @param file where a model file is to be written
   * @throws IOException with a one-line message naming the path otherwise
   */
  public static void checkTarget(Path file) throws IOException {
    if (Files.isDirectory(file)) {
      throw new IOException(file + " is a directory: give the model file's path, e.g. " + file.resolve("model.wndmodel"));
    }
    if (Files.exists(file) && !isModelFileOrEmpty(file)) {
      throw new IOException(file + " exists and is not a WnD model file: not replacing it (remove it, or choose "
          + "another path)");
    }
    for (Path p = file.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
      if (Files.exists(p)) {
        if (!Files.isDirectory(p)) {
          throw new IOException("cannot write " + file + ": " + p + " is a file, not a directory");
        }
        break;
      }
    }
  }

  private static boolean isModelFileOrEmpty(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] head = in.readNBytes(MAGIC.length);
      return head.length == 0 || Arrays.equals(head, MAGIC);
    }
  }

  /**
   * Reads a model file.
   *
   * @param file the file
   * @return the model
   * @throws IOException with a one-line message if the file is missing, not a model file, of an unknown
   *     format version, truncated or corrupt
   */
  public static Loaded read(Path file) throws IOException {
    if (!Files.exists(file)) {
      throw new NoSuchFileException(file + ": no such model file");
    }
    if (Files.isDirectory(file)) {
      throw new IOException(file + " is a directory, not a model file");
    }
    CRC32C crc = new CRC32C();
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        CheckedInputStream checked = new CheckedInputStream(raw, crc);
        DataInputStream in = new DataInputStream(checked)) {
      byte[] magic = new byte[MAGIC.length];
      in.readFully(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new IOException(file + ": not a WnD model file (bad magic)");
      }
      int format = in.readInt();
      if (format != 1) {
        throw new IOException(file + ": model file format " + format + " is newer than this build reads (1)");
      }
      long size = Files.size(file);
      byte[] mbytes = new byte[bounded(file, in.readInt(), 1, size, "manifest")];
      in.readFully(mbytes);
      ModelManifest m;
      FeatureSpec spec;
      try {
        if (!(Topics.serdes(null).models().deserialize("", mbytes).getPart() instanceof ModelManifest mm)) {
          throw new IOException(file + ": corrupt model file (the manifest is another kind of record)");
        }
        m = mm;
        spec = FeatureSpec.parse(m.getSpec());
      } catch (RuntimeException e) {
        // a corrupt manifest or spec: the file is corrupt, whatever part of it failed
        throw new IOException(file + ": corrupt model file (" + e.getMessage() + ")", e);
      }
      float[] dense = new float[bounded(file, in.readInt(), 4, size, "dense weights")];
      for (int i = 0; i < dense.length; i++) {
        dense[i] = in.readFloat();
      }
      SparseTable wide;
      SparseTable emb;
      try {
        wide = readTable(file, in, spec.maxWideRows(), spec.wideFieldCount(), size);
        emb = readTable(file, in, spec.maxEmbeddingRows(), spec.sparseCount(), size);
      } catch (RuntimeException e) {
        throw new IOException(file + ": corrupt model file (" + e.getMessage() + ")", e);
      }
      long expected = crc.getValue();
      long stored = new DataInputStream(raw).readLong();
      if (stored != expected) {
        throw new IOException(file + ": checksum mismatch (the file is corrupt)");
      }
      Map<TopicPartition, Long> consumed = new HashMap<>();
      for (TopicOffset o : m.getConsumed()) {
        consumed.put(new TopicPartition(o.getTopic(), o.getPartition()), o.getOffset());
      }
      ModelVersion version = new ModelVersion(m.getModel(), m.getVersion(), m.getParent(), m.getCreatedAt().toEpochMilli(),
          m.getExamplesSeen(), consumed, m.getMetrics(), m.getSpec(), dense, m.getBytes());
      try {
        DenseTower tower = DenseTower.forSpec(spec).fromFlat(dense);
        return new Loaded(version, spec, new WideDeepModel(spec, wide, emb, tower));
      } catch (RuntimeException e) {
        throw new IOException(file + ": the model does not fit its spec (" + e.getMessage() + ")", e);
      }
    } catch (EOFException e) {
      throw new IOException(file + ": truncated model file", e);
    }
  }

  /** A count read from the file, refused if negative or if that many items of {@code itemBytes} cannot fit. */
  private static int bounded(Path file, long n, int itemBytes, long fileSize, String what) throws IOException {
    if (n < 0 || n * itemBytes > fileSize || n > Integer.MAX_VALUE - 8) {
      throw new IOException(file + ": corrupt model file (" + what + " of " + n + " items in a file of " + fileSize
          + " bytes)");
    }
    return (int) n;
  }

  private static SparseTable readTable(Path file, DataInputStream in, long maxRows, int maxFields, long fileSize)
      throws IOException {
    int dim = bounded(file, in.readInt(), 4, fileSize, "row width");
    int fields = bounded(file, in.readInt(), 1, maxFields, "field count");
    long rows = in.readLong();
    if (dim < 1 || rows < 0 || rows * (12L + 4L * dim) > fileSize) {
      throw new IOException(file + ": corrupt model file (" + rows + " rows of width " + dim + " in a file of "
          + fileSize + " bytes)");
    }
    InMemorySparseTable t = new InMemorySparseTable(fields, dim, Math.max(maxRows, rows));
    float[] row = new float[dim];
    for (long r = 0; r < rows; r++) {
      int field = in.readInt();
      long id = in.readLong();
      for (int i = 0; i < dim; i++) {
        row[i] = in.readFloat();
      }
      t.put(field, id, row);
    }
    return t;
  }

  private static ModelManifest manifest(ModelVersion v, SparseTable wide, SparseTable emb) {
    List<TopicOffset> consumed = new ArrayList<>();
    v.consumed().forEach((tp, off) -> consumed.add(new TopicOffset(tp.topic(), tp.partition(), off)));
    consumed.sort((a, b) -> a.getTopic().equals(b.getTopic()) ? Integer.compare(a.getPartition(), b.getPartition())
        : a.getTopic().compareTo(b.getTopic()));
    return new ModelManifest(v.model(), v.version(), v.parent(), Instant.ofEpochMilli(v.createdAtMillis()),
        v.examplesSeen(), consumed, new HashMap<>(v.metrics()), v.specJson(), 1, 0L, 0, 0L, v.bytes());
  }
}

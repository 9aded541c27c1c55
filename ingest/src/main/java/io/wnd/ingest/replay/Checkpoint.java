package io.wnd.ingest.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The state of a replay after its last acknowledged row: written atomically (temp file + rename) after
 * every producer flush, so {@code --resume} continues exactly there: no impression or click twice, none
 * lost. Clicks whose event time had not come yet are part of the state.
 *
 * @param inputs the inputs of the replay (a resume must name the same)
 * @param startTimeMillis event time of row 0
 * @param eventRate rows per second of event time
 * @param seed click-delay seed
 * @param nextRow rows consumed from the inputs (skip included)
 * @param impressions impressions acknowledged so far
 * @param clicks clicks acknowledged so far
 * @param pending clicks not yet produced: id and event time
 * @param completed whether the replay reached its end
 */
public record Checkpoint(List<String> inputs, long startTimeMillis, double eventRate, long seed, long nextRow,
    long impressions, long clicks, List<PendingClick> pending, boolean completed) {

  /**
   * A click waiting for its event time.
   *
   * @param id impression id
   * @param eventTime click event time, ms since the epoch
   */
  public record PendingClick(String id, long eventTime) {}

  /**
   * @param file a checkpoint file
   * @return what it says
   * @throws IOException if it cannot be read or parsed (the message names the file)
   */
  public static Checkpoint read(Path file) throws IOException {
    return read(new ObjectMapper(), file);
  }

  static Checkpoint read(ObjectMapper mapper, Path file) throws IOException {
    try {
      return mapper.readValue(file.toFile(), Checkpoint.class);
    } catch (IOException e) {
      throw new IOException("cannot read checkpoint " + file + ": " + e.getMessage(), e);
    }
  }

  void write(ObjectMapper mapper, Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = dir.resolve(file.getFileName() + ".tmp");
    mapper.writeValue(tmp.toFile(), this);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}

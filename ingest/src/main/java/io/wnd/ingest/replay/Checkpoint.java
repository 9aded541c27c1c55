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
 * lost. Clicks whose event time had not come yet are part of the state. A replay killed, or failed, between two
 * checkpoints has produced rows after the last one: a resume finds them on the topics (from {@link #offsets}) and
 * does not send them again.
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
 * @param offsets per partition of the impressions and clicks topics ({@code "<topic>:<partition>"}), an offset at or
 *     after which lies every record this replay produced after this checkpoint: a resume reads from there what a
 *     replay that was killed, or failed, produced after its last checkpoint, and does not send it again (null in a
 *     checkpoint written before this was kept: such a resume sends those rows again)
 */
public record Checkpoint(List<String> inputs, long startTimeMillis, double eventRate, long seed, long nextRow,
    long impressions, long clicks, List<PendingClick> pending, boolean completed, java.util.Map<String, Long> offsets) {

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

package io.wnd.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wnd.ingest.Rejects;
import io.wnd.ingest.Row;
import io.wnd.ingest.RowReader;
import io.wnd.ingest.replay.Replayer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourcesTest {
  private static final String ROW = "1" + "\t7".repeat(13) + "\t68fd1e64".repeat(26);

  @Test
  void shouldNameFilesOfTheSameNameByTheDirectoriesThatTellThemApart(@TempDir Path dir) throws IOException {
    Path a = write(dir.resolve("2026-12-01/hour-00/part-00000.tsv"));
    Path b = write(dir.resolve("2026-12-02/hour-00/part-00000.tsv"));
    Path c = write(dir.resolve("other.tsv"));
    Path d = write(dir.resolve("x/part-00001.tsv"));

    assertThat(Sources.names(List.of(a, b, c, d))).containsExactly("2026-12-01/hour-00/part-00000.tsv",
        "2026-12-02/hour-00/part-00000.tsv", "other.tsv", "part-00001.tsv");
    assertThat(Sources.names(List.of(a, c))).as("no collision: the file names, as before").containsExactly(
        "part-00000.tsv", "other.tsv");

    // the ids of the rows: <name>:<line>, all different
    List<Replayer.Source> sources = Sources.files(List.of(a, b), null, Rejects.ignore());
    try (RowReader ra = sources.get(0).open(); RowReader rb = sources.get(1).open()) {
      Row first = ra.next();
      Row second = rb.next();
      assertThat(ra.name() + ":" + first.line()).isEqualTo("2026-12-01/hour-00/part-00000.tsv:1");
      assertThat(rb.name() + ":" + second.line()).isEqualTo("2026-12-02/hour-00/part-00000.tsv:1");
    }
  }

  @Test
  void shouldNameALinkByItsOwnName(@TempDir Path dir) throws IOException {
    Path target = write(dir.resolve("data/day-1.tsv"));
    Path link = Files.createSymbolicLink(dir.resolve("today.tsv"), target);
    assertThat(Sources.names(List.of(link))).containsExactly("today.tsv");
  }

  @Test
  void shouldRefuseAFileGivenTwice(@TempDir Path dir) throws IOException {
    Path a = write(dir.resolve("rows.tsv"));
    assertThatThrownBy(() -> Sources.names(List.of(a, dir.resolve("./rows.tsv"))))
        .hasMessageContaining("is given twice");
  }

  private static Path write(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    return Files.write(file, List.of(ROW, ROW));
  }
}

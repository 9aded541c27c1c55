package io.wnd.state.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wnd.state.table.SparseTable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFileTest {

  @Test
  void shouldKeepLoadingTheGoldenFileOfFormatOne(@TempDir Path dir) throws IOException {
    Path golden = dir.resolve("golden.wndmodel");
    try (InputStream in = getClass().getResourceAsStream("/golden/census-format1.wndmodel")) {
      Files.copy(in, golden);
    }
    ModelFile.Loaded m = ModelFile.read(golden);
    assertThat(m.version().model()).isEqualTo("census");
    assertThat(m.version().version()).isEqualTo(7);
    assertThat(m.version().parent()).isEqualTo(6);
    assertThat(m.version().createdAtMillis()).isEqualTo(1_764_288_000_000L);
    assertThat(m.version().examplesSeen()).isEqualTo(1_234);
    assertThat(m.version().consumed()).containsEntry(new TopicPartition("wnd.examples", 0), 1_000L);
    assertThat(m.version().metrics()).containsEntry("auc", 0.81);
    assertThat(m.spec().name()).isEqualTo("census");
    float[] dense = m.version().dense();
    for (int i = 0; i < dense.length; i++) {
      assertThat(dense[i]).isEqualTo((float) Math.sin(i) / 10f);
    }
    SparseTable wide = m.model().wide();
    assertThat(wide.size()).isEqualTo(5L * m.spec().wideFieldCount());
    for (int f = 0; f < m.spec().wideFieldCount(); f++) {
      for (long id = 1; id <= 5; id++) {
        assertThat(wide.get(f, id)).containsExactly(f + id / 10f);
      }
    }
    SparseTable emb = m.model().embeddings();
    assertThat(emb.size()).isEqualTo(3L * m.spec().sparseCount());
    float[] row = emb.get(2, 3);
    for (int i = 0; i < row.length; i++) {
      assertThat(row[i]).isEqualTo((2 * 10 + 3 + i) / 100f);
    }
    assertThat(m.model().tower().toFlat()).containsExactly(dense);
  }

  @Test
  void shouldRoundTripAndRefuseCorruptOrForeignFiles(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("m.wndmodel");
    ModelFile.write(file, GoldenModel.VERSION, GoldenModel.wideTable(), GoldenModel.embeddingTable());
    ModelFile.Loaded m = ModelFile.read(file);
    assertThat(m.version().dense()).containsExactly(GoldenModel.dense());
    // a directory for the file: refused in one line, and no temporary file left beside it
    Path sub = Files.createDirectory(dir.resolve("models"));
    assertThatThrownBy(() -> ModelFile.write(sub, GoldenModel.VERSION, GoldenModel.wideTable(),
        GoldenModel.embeddingTable())).isInstanceOf(IOException.class).hasMessageContaining("is a directory");
    try (var listing = Files.list(dir)) {
      assertThat(listing.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("m.wndmodel", "models");
    }

    byte[] bytes = Files.readAllBytes(file);
    byte[] flipped = bytes.clone();
    flipped[bytes.length / 2] ^= 1;
    Path corrupt = Files.write(dir.resolve("corrupt.wndmodel"), flipped);
    assertThatThrownBy(() -> ModelFile.read(corrupt)).isInstanceOf(IOException.class).hasMessageContaining("corrupt");

    Path truncated = Files.write(dir.resolve("short.wndmodel"), Arrays.copyOf(bytes, bytes.length - 100));
    assertThatThrownBy(() -> ModelFile.read(truncated)).isInstanceOf(IOException.class).hasMessageContaining("truncated");

    Path foreign = Files.write(dir.resolve("x.wndmodel"), "hello world, not a model".getBytes());
    assertThatThrownBy(() -> ModelFile.read(foreign)).isInstanceOf(IOException.class).hasMessageContaining("not a WnD model file");

    byte[] future = bytes.clone();
    future[11] = 2;
    Path newer = Files.write(dir.resolve("newer.wndmodel"), future);
    assertThatThrownBy(() -> ModelFile.read(newer)).hasMessageContaining("format 2 is newer than this build reads");

    assertThatThrownBy(() -> ModelFile.read(dir.resolve("none.wndmodel"))).hasMessageContaining("no such model file");
  }
  @Test
  void checksATargetSoThatOnlyAModelFileOrNothingIsReplaced(@TempDir Path dir) throws IOException {
    ModelFile.checkTarget(dir.resolve("new.wndmodel"));
    ModelFile.checkTarget(dir.resolve("a/b/new.wndmodel"));
    ModelFile.checkTarget(Files.createFile(dir.resolve("empty")));
    Path model = Files.write(dir.resolve("old.wndmodel"), Arrays.copyOf(ModelFile.MAGIC, 64));
    ModelFile.checkTarget(model);
    Path data = Files.writeString(dir.resolve("data.tsv"), "0\t1\t2\n");
    assertThatThrownBy(() -> ModelFile.checkTarget(data)).isInstanceOf(IOException.class)
        .hasMessage(data + " exists and is not a WnD model file: not replacing it (remove it, or choose another path)");
    assertThatThrownBy(() -> ModelFile.checkTarget(dir)).hasMessageContaining(dir + " is a directory");
    assertThatThrownBy(() -> ModelFile.checkTarget(data.resolve("m.wndmodel")))
        .hasMessage("cannot write " + data.resolve("m.wndmodel") + ": " + data + " is a file, not a directory");
    assertThat(Files.readString(data)).isEqualTo("0\t1\t2\n");
  }
}

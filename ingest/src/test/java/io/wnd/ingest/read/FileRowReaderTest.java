package io.wnd.ingest.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wnd.avro.CensusFeatures;
import io.wnd.avro.CriteoFeatures;
import io.wnd.ingest.RealData;
import io.wnd.ingest.Row;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileRowReaderTest {
  record Reject(long line, String reason) {}

  static List<Row> readAll(Path file, Format format, List<Reject> rejects) throws IOException {
    List<Row> rows = new ArrayList<>();
    try (FileRowReader r = FileRowReader.open(file, format, (src, line, reason, text) -> rejects.add(new Reject(line, reason)))) {
      Row row;
      while ((row = r.next()) != null) {
        rows.add(row);
      }
    }
    return rows;
  }

  /** Labels read independently of the parser: the first tab-separated field of each line. */
  static List<Integer> labelsOf(Path tsv) throws IOException {
    return Files.readAllLines(tsv).stream().map(l -> Integer.parseInt(l.substring(0, l.indexOf('\t')))).toList();
  }

  @Test
  void shouldReadEveryKaggleRowWithItsLabel() throws IOException {
    Path file = RealData.kaggle();
    List<Reject> rejects = new ArrayList<>();
    List<Row> rows = readAll(file, null, rejects);
    assertThat(rejects).isEmpty();
    assertThat(rows).hasSize(10_000);
    assertThat(rows).extracting(Row::label).containsExactlyElementsOf(labelsOf(file));
    assertThat(rows.stream().filter(Row::positive).count()).isEqualTo(2_182);
    // row 0 checked against the raw text: I12 and C22 are empty there
    String[] raw = Files.readAllLines(file).get(0).split("\t", -1);
    CriteoFeatures f = (CriteoFeatures) rows.get(0).features();
    assertThat(f.getI1()).isEqualTo(Long.parseLong(raw[1]));
    assertThat(f.getI12()).as("empty = missing").isEqualTo(raw[12].isEmpty() ? null : Long.parseLong(raw[12]));
    assertThat(f.getC1()).isEqualTo(raw[14]);
    assertThat(f.getC26()).isEqualTo(raw[39]);
    assertThat(rows.get(0).line()).isEqualTo(1);
    assertThat(rows.get(9_999).index()).isEqualTo(9_999);
  }

  @Test
  void shouldReadEveryTerabyteRow() throws IOException {
    Path file = RealData.terabyte();
    List<Reject> rejects = new ArrayList<>();
    List<Row> rows = readAll(file, Format.CRITEO, rejects);
    assertThat(rejects).isEmpty();
    assertThat(rows).hasSize(7_000);
    assertThat(rows).extracting(Row::label).containsExactlyElementsOf(labelsOf(file));
  }

  @Test
  void shouldReadEveryAdultRowOfBothFiles() throws IOException {
    for (Path file : List.of(RealData.adultData(), RealData.adultTest())) {
      List<Reject> rejects = new ArrayList<>();
      List<Row> rows = readAll(file, null, rejects);
      long lines = Files.readAllLines(file).stream().filter(l -> !l.isBlank()).count();
      assertThat(rejects).as(file.toString()).isEmpty();
      assertThat(rows).hasSize((int) lines);
      long positives = Files.readAllLines(file).stream().filter(l -> l.contains(">50K")).count();
      assertThat(rows.stream().filter(Row::positive).count()).isEqualTo(positives);
    }
    List<Row> rows = readAll(RealData.adultData(), Format.ADULT, new ArrayList<>());
    CensusFeatures first = (CensusFeatures) rows.get(0).features();
    String[] raw = Files.readAllLines(RealData.adultData()).get(0).split(", ");
    assertThat(first.getAge()).isEqualTo(Long.parseLong(raw[0]));
    assertThat(first.getWorkclass()).isEqualTo(raw[1]);
    assertThat(first.getNativeCountry()).isEqualTo(raw[13]);
    long missingOccupation = Files.readAllLines(RealData.adultData()).stream()
        .filter(l -> !l.isBlank() && l.split(", ")[6].equals("?")).count();
    assertThat(rows.stream().filter(r -> ((CensusFeatures) r.features()).getOccupation() == null).count())
        .as("'?' is missing").isEqualTo(missingOccupation);
  }

  @Test
  void shouldReadTheSeedCsvAndJsonForms(@TempDir Path dir) throws IOException {
    // The seed's CSV and JSON-instance forms of the same real rows, written here at test time.
    List<String> tsv = Files.readAllLines(RealData.kaggle());
    List<String> csv = new ArrayList<>();
    List<String> json = new ArrayList<>();
    for (String line : tsv) {
      String[] f = line.split("\t", -1);
      StringBuilder c = new StringBuilder(f[0]);
      StringBuilder j = new StringBuilder("{\"label\": ").append(f[0]);
      for (int i = 1; i < f.length; i++) {
        c.append(',').append(f[i].isEmpty() ? "0 " : " " + f[i]);
        String name = i <= 13 ? "I" + i : "C" + (i - 13);
        if (!f[i].isEmpty()) {
          j.append(", \"").append(name).append("\": ").append(i <= 13 ? f[i] : "\"" + f[i] + "\"");
        }
      }
      csv.add(c.toString());
      json.add(j.append('}').toString());
    }
    Path csvFile = Files.write(dir.resolve("train.csv"), csv);
    Path jsonFile = Files.write(dir.resolve("instances.json"), json);
    Path tsvFile = Files.write(dir.resolve("rows.tsv"), tsv);

    assertThat(Format.detect(csvFile)).isEqualTo(Format.SEED_CSV);
    assertThat(Format.detect(jsonFile)).isEqualTo(Format.JSON);
    List<Row> expected = readAll(tsvFile, Format.CRITEO, new ArrayList<>());
    List<Reject> rejects = new ArrayList<>();
    assertThat(readAll(csvFile, null, rejects)).usingRecursiveFieldByFieldElementComparatorIgnoringFields("line", "index")
        .isEqualTo(expected);
    assertThat(readAll(jsonFile, null, rejects)).usingRecursiveFieldByFieldElementComparatorIgnoringFields("line", "index")
        .isEqualTo(expected);
    assertThat(rejects).isEmpty();
  }

  @Test
  void shouldRejectBadLinesWithLineNumbersAndGoOn(@TempDir Path dir) throws IOException {
    String good = "1\t5\t\t3" + "\t7".repeat(10) + "\tabcdef01".repeat(26);
    String shortLine = "0\t1\t2";
    String notInt = "0\tx1" + "\t7".repeat(12) + "\tabcdef01".repeat(26);
    String badLabel = "2" + "\t7".repeat(13) + "\tabcdef01".repeat(26);
    Path file = dir.resolve("bad.tsv");
    try (OutputStream out = Files.newOutputStream(file)) {
      for (String l : List.of(good, shortLine, notInt, badLabel)) {
        out.write((l + "\n").getBytes(StandardCharsets.UTF_8));
      }
      byte[] badUtf8 = (good.replace("abcdef01", "abcdef0\u00ff")).getBytes(StandardCharsets.ISO_8859_1);
      out.write(badUtf8);
      out.write('\n');
      out.write((good + "\r\n").getBytes(StandardCharsets.UTF_8));
    }
    List<Reject> rejects = new ArrayList<>();
    List<Row> rows = readAll(file, Format.CRITEO, rejects);
    assertThat(rows).extracting(Row::line).containsExactly(1L, 6L);
    assertThat(((CriteoFeatures) rows.get(0).features()).getI2()).isNull();
    assertThat(rejects).containsExactly(new Reject(2, "expected 40 fields, found 3"),
        new Reject(3, "I1 is not an integer: 'x1'"), new Reject(4, "bad label '2' (expected 0 or 1)"),
        new Reject(5, "bad UTF-8"));
  }

  @Test
  void shouldRejectJsonWithTheFieldNamed(@TempDir Path dir) throws IOException {
    Path file = Files.write(dir.resolve("x.json"), List.of("{\"I1\": 3, \"C1\": \"68fd1e64\"}", "{\"I1\": \"three\"}",
        "{\"I99\": 1}", "{not json", "{\"age\": 39, \"workclass\": \"Private\", \"income_bracket\": \">50K.\"}",
        "{\"I1\": 1} {\"I1\": 2}"));
    List<Reject> rejects = new ArrayList<>();
    List<Row> rows = readAll(file, Format.JSON, rejects);
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0).label()).isEqualTo(Row.NO_LABEL);
    assertThat(rows.get(1).features()).isInstanceOf(CensusFeatures.class);
    assertThat(rows.get(1).label()).isEqualTo(1);
    assertThat(rejects).extracting(Reject::line).containsExactly(2L, 3L, 4L, 6L);
    assertThat(rejects.get(0).reason()).isEqualTo("field 'I1' must be an integer, got string \"three\"");
    assertThat(rejects.get(1).reason()).contains("unknown field 'I99'");
    assertThat(rejects.get(2).reason()).startsWith("malformed JSON");
    assertThat(rejects.get(3).reason()).as("a second object on the line").startsWith("malformed JSON");
  }

  @Test
  void shouldTellCensusInstancesByAnyCensusFieldAndRejectLabelsThatAreNotZeroOrOne(@TempDir Path dir)
      throws IOException {
    Path file = Files.write(dir.resolve("x.json"), List.of("{\"gender\": \"Male\"}", "{\"label\": 4294967297}",
        "{\"label\": 1, \"I1\": 2}", "[{\"I1\": 2}]", "{"));
    List<Reject> rejects = new ArrayList<>();
    List<Row> rows = readAll(file, Format.JSON, rejects);
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0).features()).isInstanceOf(CensusFeatures.class);
    assertThat(rows.get(1).label()).isEqualTo(1);
    assertThat(rejects).extracting(Reject::line).containsExactly(2L, 4L, 5L);
    assertThat(rejects.get(0).reason()).isEqualTo("field 'label' must be 0 or 1, got number 4294967297");
    assertThat(rejects.get(1).reason()).isEqualTo("expected a JSON object (one instance per line), got array");
    assertThat(rejects.get(2).reason()).startsWith("malformed JSON (each line must be one whole instance object)");
  }

  @Test
  void shouldReadAFirstLineAfterAByteOrderMark(@TempDir Path dir) throws IOException {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    Path tsv = dir.resolve("bom.tsv");
    Files.write(tsv, bom);
    String row = "1" + "\t7".repeat(13) + "\t68fd1e64".repeat(26);
    Files.write(tsv, List.of(row, row, row), java.nio.file.StandardOpenOption.APPEND);
    List<Reject> rejects = new ArrayList<>();
    assertThat(readAll(tsv, null, rejects)).hasSize(3);
    assertThat(rejects).isEmpty();
    Path json = dir.resolve("bom.json");
    Files.write(json, bom);
    Files.writeString(json, "{\"I1\": 1, \"label\": 0}\n", java.nio.file.StandardOpenOption.APPEND);
    assertThat(readAll(json, Format.JSON, rejects)).hasSize(1);
    assertThat(rejects).isEmpty();
  }

  @Test
  void shouldReadGzipAndFailClearlyOnABrokenOneOrAMissingFile(@TempDir Path dir) throws IOException {
    Path gz = dir.resolve("rows.tsv.gz");
    byte[] plain = Files.readAllBytes(RealData.kaggle());
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
      out.write(plain);
    }
    assertThat(readAll(gz, null, new ArrayList<>())).hasSize(10_000);

    byte[] whole = Files.readAllBytes(gz);
    Path broken = Files.write(dir.resolve("broken.tsv.gz"), Arrays.copyOf(whole, whole.length / 2));
    assertThatThrownBy(() -> readAll(broken, Format.CRITEO, new ArrayList<>())).isInstanceOf(IOException.class)
        .hasMessageContaining("broken.tsv.gz: broken gzip after line");

    assertThatThrownBy(() -> readAll(dir.resolve("nope.tsv"), null, new ArrayList<>()))
        .isInstanceOf(NoSuchFileException.class).hasMessageContaining("nope.tsv");
  }
}

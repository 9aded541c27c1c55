package io.wnd.cli;

import static io.wnd.cli.WndIT.wnd;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The seed's split through the CLI: fit on rows 2000-9999, evaluate on rows 0-1999, export, evaluate the export. */
class FitCommandIT {
  private final ObjectMapper mapper = new ObjectMapper();

  @Test
  void shouldFitEvaluateAndExportAModelThatEvaluatesTheSameFromItsFile(@TempDir Path dir) throws Exception {
    Path kaggle = Path.of("..", "..", "shared", "data", "criteo", "kaggle-train-rows-0-9999.tsv");
    assumeTrue(Files.exists(kaggle), "skipped: ../shared/data/criteo is absent");
    Path model = dir.resolve("m.wndmodel");
    WndIT.Result fit = wnd("fit", "--input", kaggle.toString(), "--skip", "2000", "--eval", kaggle.toString(),
        "--eval-limit", "2000", "--export", model.toString(), "--rejects", dir.resolve("r.tsv").toString(), "--json");
    assertThat(fit.code()).as(fit.err()).isZero();
    JsonNode j = mapper.readTree(fit.lastLine());
    assertThat(j.get("epochs").get(0).get("examples").asLong()).isEqualTo(8_000);
    JsonNode eval = j.get("evaluation");
    assertThat(eval.get("rows").asLong()).isEqualTo(2_000);
    // the constant predictor at the held-out rate, computed here from the file: the model must beat it
    long positives = Files.readAllLines(kaggle).subList(0, 2_000).stream().filter(l -> l.startsWith("1\t")).count();
    double rate = positives / 2_000.0;
    assertThat(eval.get("observed_rate").asDouble()).isEqualTo(rate);
    assertThat(eval.get("logloss").asDouble()).isLessThan(-(rate * Math.log(rate) + (1 - rate) * Math.log(1 - rate)));
    assertThat(eval.get("auc").asDouble()).isGreaterThan(0.7);

    WndIT.Result again = wnd("evaluate", "--model-file", model.toString(), "--input", kaggle.toString(), "--limit", "2000",
        "--rejects", dir.resolve("r2.tsv").toString(), "--json");
    assertThat(again.code()).as(again.err()).isZero();
    JsonNode e2 = mapper.readTree(again.lastLine());
    assertThat(e2.get("auc").asDouble()).isEqualTo(eval.get("auc").asDouble());
    assertThat(e2.get("logloss").asDouble()).isEqualTo(eval.get("logloss").asDouble());

    // nothing to evaluate: unlabelled instances, or every row skipped, is an error naming why, not NaN
    Path unlabelled = Files.write(dir.resolve("inst.json"), List.of("{\"I1\": 1, \"C1\": \"68fd1e64\"}", "{\"I2\": 3}"));
    WndIT.Result none = wnd("evaluate", "--model-file", model.toString(), "--input", unlabelled.toString(), "--json");
    assertThat(none.code()).isEqualTo(1);
    assertThat(none.err()).startsWith("wnd evaluate: error: no labelled rows to evaluate in [")
        .contains("2 rows read, 2 without a label");
    assertThat(none.out()).isEmpty();
    WndIT.Result skipped = wnd("evaluate", "--model-file", model.toString(), "--input", kaggle.toString(), "--skip",
        "20000", "--json");
    assertThat(skipped.code()).isEqualTo(1);
    assertThat(skipped.err()).contains("10,000 rows read, 0 without a label, 10,000 skipped (--skip 20000)");
    WndIT.Result fitNone = wnd("fit", "--input", unlabelled.toString(), "--json");
    assertThat(fitNone.code()).isEqualTo(1);
    assertThat(fitNone.err()).contains("no labelled rows to train on");

    // a file of no known format: the reader's message, without the exception's class name
    Path garbage = Files.write(dir.resolve("garbage.txt"), List.of("hello", "world"));
    WndIT.Result unknown = wnd("evaluate", "--model-file", model.toString(), "--input", garbage.toString());
    assertThat(unknown.code()).isEqualTo(1);
    assertThat(unknown.err()).startsWith("wnd evaluate: error: " + garbage).doesNotContain("Exception");

    // --export to a directory: one line, and nothing left in it
    WndIT.Result toDir = wnd("fit", "--input", kaggle.toString(), "--limit", "500", "--export", dir.toString());
    assertThat(toDir.code()).isEqualTo(1);
    assertThat(toDir.err()).contains("is a directory");
    try (var listing = Files.list(dir)) {
      assertThat(listing.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
    }

    WndIT.Result bad = wnd("fit", "--input", kaggle.toString(), "--model-type", "forest");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("--model-type must be wide, deep or wide_and_deep");
  }
  @Test
  void shouldRefuseToWriteOverItsInputsAndCheckEveryPathBeforeTraining(@TempDir Path dir) throws Exception {
    Path kaggle = Path.of("..", "..", "shared", "data", "criteo", "kaggle-train-rows-0-9999.tsv");
    assumeTrue(Files.exists(kaggle), "skipped: ../shared/data/criteo is absent");
    List<String> lines = Files.readAllLines(kaggle).subList(0, 1_000);
    Path data = Files.write(dir.resolve("data.tsv"), lines);
    byte[] before = Files.readAllBytes(data);

    // an export or a rejects file that is an input: a usage error, the input untouched
    WndIT.Result exportOverInput = wnd("fit", "--input", data.toString(), "--export", data.toString());
    assertThat(exportOverInput.code()).isEqualTo(2);
    assertThat(exportOverInput.err()).contains("--export " + data + " is also an input");
    WndIT.Result rejectsOverInput = wnd("fit", "--input", data.toString(), "--rejects", data.toString());
    assertThat(rejectsOverInput.code()).isEqualTo(2);
    assertThat(rejectsOverInput.err()).contains("--rejects " + data + " is also an input");
    assertThat(Files.readAllBytes(data)).isEqualTo(before);

    // a file that is not a model is not replaced, and a missing --eval file or a bad --format is found before
    // training (nothing printed on stdout)
    Path notes = Files.writeString(dir.resolve("notes.txt"), "my notes");
    WndIT.Result overNotes = wnd("fit", "--input", data.toString(), "--export", notes.toString());
    assertThat(overNotes.code()).isEqualTo(1);
    assertThat(overNotes.err()).contains(notes + " exists and is not a WnD model file");
    assertThat(overNotes.out()).isEmpty();
    assertThat(Files.readString(notes)).isEqualTo("my notes");
    WndIT.Result noEval = wnd("fit", "--input", data.toString(), "--eval", dir.resolve("nope.tsv").toString(),
        "--export", dir.resolve("m.wndmodel").toString());
    assertThat(noEval.code()).isEqualTo(1);
    assertThat(noEval.err()).contains("nope.tsv: no such file");
    assertThat(noEval.out()).isEmpty();
    WndIT.Result badFormat = wnd("fit", "--input", data.toString(), "--format", "tsv");
    assertThat(badFormat.code()).isEqualTo(2);
    assertThat(badFormat.err()).contains("--format: unknown format 'tsv'");

    // two epochs over a file with one bad line: the line is rejected once; only the first pass is progressive;
    // the export is readable as any new file here is (not owner-only)
    List<String> withBad = new java.util.ArrayList<>(lines);
    withBad.set(4, "0\tabc");
    Path bad = Files.write(dir.resolve("bad.tsv"), withBad);
    Path rejects = dir.resolve("rejects.tsv");
    Path model = dir.resolve("m.wndmodel");
    WndIT.Result two = wnd("fit", "--input", bad.toString(), "--epochs", "2", "--rejects", rejects.toString(),
        "--eval", bad.toString(), "--export", model.toString(), "--json");
    assertThat(two.code()).as(two.err()).isZero();
    JsonNode j = mapper.readTree(two.lastLine());
    assertThat(j.get("epochs").get(0).get("progressive").asBoolean()).isTrue();
    assertThat(j.get("epochs").get(1).get("progressive").asBoolean()).isFalse();
    assertThat(j.get("evaluation").get("rejected").asLong()).isEqualTo(1);
    assertThat(j.get("rejected").asLong()).as("once in training, once in evaluation").isEqualTo(2);
    assertThat(j.get("completed").asBoolean()).isTrue();
    assertThat(Files.readAllLines(rejects)).hasSize(3); // the header and the two
    assertThat(two.err()).contains("2 rejected line(s) written to " + rejects);
    Path fresh = Files.createFile(dir.resolve("fresh"));
    assertThat(Files.getPosixFilePermissions(model)).isEqualTo(Files.getPosixFilePermissions(fresh));
    WndIT.Result text = wnd("fit", "--input", data.toString(), "--epochs", "2", "--rejects", rejects.toString(),
        "--export", model.toString());
    assertThat(text.code()).as(text.err()).isZero();
    assertThat(text.out()).contains("epoch 1: 1,000 examples, progressive AUC")
        .contains("epoch 2: 1,000 examples, training-set (rows already trained on) AUC");
    assertThat(rejects).as("the earlier run's rejects file is gone: this run had none").doesNotExist();

    WndIT.Result eval = wnd("evaluate", "--model-file", model.toString(), "--input", bad.toString(), "--rejects",
        rejects.toString(), "--json");
    assertThat(eval.code()).as(eval.err()).isZero();
    assertThat(mapper.readTree(eval.lastLine()).get("rejected").asLong()).isEqualTo(1);
    Path adult = Path.of("..", "..", "shared", "data", "adult", "adult.data");
    if (Files.exists(adult)) {
      WndIT.Result census = wnd("fit", "--input", adult.toString(), "--limit", "100");
      assertThat(census.code()).isEqualTo(1);
      assertThat(census.err()).contains("these are census rows: use --spec census");
    }
    WndIT.Result dirModel = wnd("evaluate", "--model-file", dir.toString(), "--input", bad.toString());
    assertThat(dirModel.code()).isEqualTo(1);
    assertThat(dirModel.err()).contains(dir + " is a directory, not a model file");
  }
}

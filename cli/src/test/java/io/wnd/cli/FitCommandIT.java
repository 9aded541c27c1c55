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
}

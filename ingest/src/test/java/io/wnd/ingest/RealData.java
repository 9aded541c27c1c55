package io.wnd.ingest;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The real data in ../shared/data: read at test time, never copied into the repository. */
public final class RealData {
  private static final Path ROOT = Path.of("..", "..", "shared", "data").toAbsolutePath().normalize();

  private RealData() {}

  public static Path kaggle() {
    return require(ROOT.resolve("criteo/kaggle-train-rows-0-9999.tsv"));
  }

  public static Path terabyte() {
    return require(ROOT.resolve("criteo/terabyte-day0-first-7000.tsv"));
  }

  public static Path adultData() {
    return require(ROOT.resolve("adult/adult.data"));
  }

  public static Path adultTest() {
    return require(ROOT.resolve("adult/adult.test"));
  }

  private static Path require(Path p) {
    assumeTrue(Files.isRegularFile(p), "skipped: real data file " + p + " is absent (it ships only beside the "
        + "repository, in ../shared/data)");
    return p;
  }
}

package io.wnd.trainer;

import io.wnd.avro.CriteoFeatures;
import io.wnd.state.encode.Encoder;
import org.junit.jupiter.api.Assumptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the real Criteo rows kept beside the repository (never copied into it) with a deliberately simple TSV
 * parser, because the trainer may not depend on the ingest module: label, I1..I13 (longs), C1..C26 (strings),
 * tab-separated, an empty token is a missing value.
 */
final class CriteoFiles {

    /** The first 10,000 rows of the Kaggle training set; rows 0-1999 are the seed's eval set, 2000-9999 its train set. */
    static final Path KAGGLE = Path.of("..", "..", "shared", "data", "criteo", "kaggle-train-rows-0-9999.tsv");
    /** The first 7,000 rows of day 0 of the Criteo 1TB logs. */
    static final Path TERABYTE = Path.of("..", "..", "shared", "data", "criteo", "terabyte-day0-first-7000.tsv");

    private CriteoFiles() {
    }

    /** Skips the calling test with a clear message when a data file is absent. */
    static void assumePresent(Path file) {
        Assumptions.assumeTrue(Files.isReadable(file),
                () -> "real Criteo data not found at " + file + ": test skipped");
    }

    /**
     * Rows {@code [from, to)} of a file, encoded.
     *
     * @param file    the TSV file
     * @param encoder the spec's encoder
     * @param from    the first row (0-based)
     * @param to      one past the last row
     * @return the examples in file order
     */
    static List<Example> read(Path file, Encoder encoder, int from, int to) {
        List<Example> out = new ArrayList<>(Math.min(Math.max(0, to - from), 16_384));
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int row = 0;
            for (String line = in.readLine(); line != null && row < to; line = in.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                if (row >= from) {
                    String[] t = line.split("\t", -1);
                    out.add(Example.encode(encoder, features(t), Integer.parseInt(t[0])));
                }
                row++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static List<Example> readAll(Path file, Encoder encoder) {
        return read(file, encoder, 0, Integer.MAX_VALUE);
    }

    private static CriteoFeatures features(String[] t) {
        CriteoFeatures r = new CriteoFeatures();
        for (int i = 1; i <= 13; i++) {
            r.put(r.getSchema().getField("I" + i).pos(), t[i].isEmpty() ? null : Long.parseLong(t[i]));
        }
        for (int i = 1; i <= 26; i++) {
            String v = 13 + i < t.length ? t[13 + i] : "";
            r.put(r.getSchema().getField("C" + i).pos(), v.isEmpty() ? null : v);
        }
        return r;
    }
}

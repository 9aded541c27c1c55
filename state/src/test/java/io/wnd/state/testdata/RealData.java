package io.wnd.state.testdata;

import io.wnd.avro.CensusFeatures;
import io.wnd.avro.CriteoFeatures;
import org.apache.avro.specific.SpecificRecord;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the real data sets shipped beside the repository (never copied into it) into Avro feature records, with a
 * deliberately simple parser so the tests do not depend on the ingest module.
 */
public final class RealData {

    /** The first 10,000 rows of the Criteo Kaggle training set: label, I1..I13, C1..C26, tab-separated. */
    public static final Path CRITEO = Path.of("..", "..", "shared", "data", "criteo", "kaggle-train-rows-0-9999.tsv").toAbsolutePath().normalize();
    /** The UCI Adult training data: 15 comma+space separated columns, '?' = missing. */
    public static final Path ADULT = Path.of("..", "..", "shared", "data", "adult", "adult.data").toAbsolutePath().normalize();

    /** The Avro field of each column of adult.data, in file order (the last column is the label). */
    public static final List<String> ADULT_FIELDS = List.of("age", "workclass", "fnlwgt", "education",
            "education_num", "marital_status", "occupation", "relationship", "race", "gender", "capital_gain",
            "capital_loss", "hours_per_week", "native_country");

    private RealData() {
    }

    /**
     * The first lines of a file, split into tokens.
     *
     * @param file      the file
     * @param separator the regular expression between tokens
     * @param limit     the most rows to read
     * @return the rows' tokens (blank lines skipped)
     */
    public static List<String[]> rows(Path file, String separator, int limit) {
        List<String[]> rows = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null && rows.size() < limit; line = in.readLine()) {
                if (!line.isBlank()) {
                    rows.add(line.split(separator, -1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rows;
    }

    /**
     * Criteo rows: token 0 is the label, tokens 1..13 are I1..I13, tokens 14..39 are C1..C26.
     *
     * @param limit the most rows
     * @return the tokens
     */
    public static List<String[]> criteoTokens(int limit) {
        return rows(CRITEO, "\t", limit);
    }

    /**
     * adult.data rows: tokens in {@link #ADULT_FIELDS} order, then the label.
     *
     * @param limit the most rows
     * @return the tokens
     */
    public static List<String[]> adultTokens(int limit) {
        return rows(ADULT, ", ", limit);
    }

    /**
     * A Criteo row as an Avro record; an empty token is a null field.
     *
     * @param t the row's tokens
     * @return the record
     */
    public static CriteoFeatures criteo(String[] t) {
        CriteoFeatures r = new CriteoFeatures();
        for (int i = 1; i <= 13; i++) {
            put(r, "I" + i, t[i].isEmpty() ? null : Long.parseLong(t[i]));
        }
        for (int i = 1; i <= 26; i++) {
            put(r, "C" + i, t[13 + i].isEmpty() ? null : t[13 + i]);
        }
        return r;
    }

    /**
     * An adult.data row as an Avro record; '?' is a null field.
     *
     * @param t the row's tokens
     * @return the record
     */
    public static CensusFeatures census(String[] t) {
        CensusFeatures r = new CensusFeatures();
        for (int i = 0; i < ADULT_FIELDS.size(); i++) {
            String name = ADULT_FIELDS.get(i);
            String v = t[i].trim();
            boolean isLong = r.getSchema().getField(name).schema().getTypes().get(1).getType()
                    == org.apache.avro.Schema.Type.LONG;
            put(r, name, v.equals("?") ? null : isLong ? (Object) Long.parseLong(v) : v);
        }
        return r;
    }

    private static void put(SpecificRecord r, String field, Object value) {
        r.put(r.getSchema().getField(field).pos(), value);
    }
}

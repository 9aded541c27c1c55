package io.wnd.state.encode;

import io.wnd.avro.CensusFeatures;
import io.wnd.avro.CriteoFeatures;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.testdata.RealData;
import io.wnd.state.testdata.Xxh64Reference;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class EncoderTest {

    private static final int ROWS = 500;

    private final FeatureSpec criteo = FeatureSpec.builtin("criteo");
    private final FeatureSpec census = FeatureSpec.builtin("census");

    private static void assumeCriteo() {
        assumeTrue(Files.exists(RealData.CRITEO), "Criteo sample not found at " + RealData.CRITEO
                + "; skipping the tests on real Criteo rows");
    }

    private static void assumeAdult() {
        assumeTrue(Files.exists(RealData.ADULT), "UCI Adult data not found at " + RealData.ADULT
                + "; skipping the tests on real census rows");
    }

    @Test
    void shouldHashEachCriteoCategoricalAsDocumentedOrMapItToMissing() {
        assumeCriteo();
        Encoder encoder = new Encoder(criteo);
        Encoded e = encoder.newEncoded();
        int missing = 0;

        for (String[] t : RealData.criteoTokens(ROWS)) {
            encoder.encode(RealData.criteo(t), e);
            for (int i = 0; i < 26; i++) {
                String token = t[14 + i];
                long seed = Xxh64Reference.hash(("C" + (i + 1)).getBytes(StandardCharsets.UTF_8), 0L);
                long expected = token.isEmpty() ? FeatureHash.MISSING_ID
                        : Xxh64Reference.hash(token.getBytes(StandardCharsets.UTF_8), seed);
                assertThat(e.ids()[i]).as("C%d of '%s'", i + 1, token).isEqualTo(expected);
                assertThat(e.wideIds()[i]).isEqualTo(expected);
                missing += token.isEmpty() ? 1 : 0;
            }
        }
        assertThat(missing).as("the sample has missing categoricals, so the missing path was exercised").isPositive();
    }

    @Test
    void shouldGiveEqualCriteoValuesEqualIdsAndDistinctValuesDistinctIds() {
        assumeCriteo();
        Encoder encoder = new Encoder(criteo);
        Encoded e = encoder.newEncoded();
        List<Map<String, Long>> idByValue = new java.util.ArrayList<>();
        List<Map<Long, String>> valueById = new java.util.ArrayList<>();
        for (int i = 0; i < 26; i++) {
            idByValue.add(new HashMap<>());
            valueById.add(new HashMap<>());
        }
        int repeats = 0;

        for (String[] t : RealData.criteoTokens(ROWS)) {
            encoder.encode(RealData.criteo(t), e);
            for (int i = 0; i < 26; i++) {
                String token = t[14 + i];
                Long before = idByValue.get(i).putIfAbsent(token, e.ids()[i]);
                if (before != null) {
                    assertThat(e.ids()[i]).isEqualTo(before);
                    repeats++;
                }
                String other = valueById.get(i).putIfAbsent(e.ids()[i], token);
                assertThat(other == null ? token : other).isEqualTo(token);
            }
        }
        assertThat(repeats).as("values repeat in real data").isGreaterThan(1000);
    }

    @Test
    void shouldTakeLog1pOfClampedCriteoIntegers() {
        assumeCriteo();
        Encoder encoder = new Encoder(criteo);
        Encoded e = encoder.newEncoded();
        boolean sawNegative = false;
        boolean sawMissing = false;

        for (String[] t : RealData.criteoTokens(ROWS)) {
            encoder.encode(RealData.criteo(t), e);
            for (int i = 0; i < 13; i++) {
                String token = t[1 + i];
                // log(1 + x) written with log, not log1p; negatives and missing read as 0 (spec default 0)
                double x = token.isEmpty() ? 0 : Math.max(0, Double.parseDouble(token));
                assertThat(e.numeric()[i]).as("I%d of '%s'", i + 1, token).isCloseTo((float) Math.log(1 + x),
                        within(1e-6f));
                sawNegative |= token.startsWith("-");
                sawMissing |= token.isEmpty();
            }
        }
        assertThat(sawNegative).as("the sample has a negative integer").isTrue();
        assertThat(sawMissing).as("the sample has a missing integer").isTrue();
    }

    @Test
    void shouldHashCriteoCrossesFromTheMembersIds() {
        assumeCriteo();
        Encoder encoder = new Encoder(criteo);
        Encoded e = encoder.newEncoded();
        int c1c2 = criteo.crosses().indexOf(io.wnd.state.spec.Cross.of("C1", "C2"));
        long seed = Xxh64Reference.hash("C1_x_C2".getBytes(StandardCharsets.UTF_8), 0L);

        for (String[] t : RealData.criteoTokens(50)) {
            encoder.encode(RealData.criteo(t), e);
            byte[] in = new byte[16];
            System.arraycopy(Xxh64Reference.le(e.ids()[0]), 0, in, 0, 8);
            System.arraycopy(Xxh64Reference.le(e.ids()[1]), 0, in, 8, 8);
            assertThat(e.wideIds()[26 + c1c2]).isEqualTo(Xxh64Reference.hash(in, seed));
        }
    }

    @Test
    void shouldEncodeTheSameRowTheSameWayWhateverCameBefore() {
        assumeCriteo();
        List<String[]> rows = RealData.criteoTokens(20);
        Encoder first = new Encoder(criteo);
        Encoder second = new Encoder(criteo);
        Encoded reused = second.newEncoded();
        for (String[] t : rows) {
            second.encode(RealData.criteo(t), reused);
        }

        second.encode(RealData.criteo(rows.get(3)), reused);

        assertThat(reused).isEqualTo(first.encode(RealData.criteo(rows.get(3)), first.newEncoded()));
    }

    @Test
    void shouldBucketizeCensusAgeAsCountedByHand() {
        assumeAdult();
        Encoder encoder = new Encoder(census);
        Encoded e = encoder.newEncoded();
        int ageBuckets = census.sparseNames().indexOf("age_buckets");
        // boundaries 18,25,30,35,40,45,50,55,60,65: 39 passes 18,25,30,35 -> 4; 50 passes 7; 38 -> 4; 53 -> 7
        int[] byHand = {4, 7, 4, 7};
        List<String[]> rows = RealData.adultTokens(4);

        for (int r = 0; r < byHand.length; r++) {
            encoder.encode(RealData.census(rows.get(r)), e);
            assertThat(rows.get(r)[0]).isEqualTo(new String[]{"39", "50", "38", "53"}[r]);
            assertThat(e.ids()[ageBuckets]).as("row %d", r).isEqualTo(byHand[r]);
        }
    }

    @Test
    void shouldPutBoundaryAgesInTheUpperBucket() {
        Encoder encoder = new Encoder(census);
        Encoded e = encoder.newEncoded();
        int ageBuckets = census.sparseNames().indexOf("age_buckets");
        long[][] ageAndBucket = {{17, 0}, {18, 1}, {24, 1}, {25, 2}, {64, 9}, {65, 10}, {90, 10}};

        for (long[] ab : ageAndBucket) {
            encoder.encode(CensusFeatures.newBuilder().setAge(ab[0]).build(), e);
            assertThat(e.ids()[ageBuckets]).as("age %d", ab[0]).isEqualTo(ab[1]);
        }
        encoder.encode(CensusFeatures.newBuilder().build(), e);
        assertThat(e.ids()[ageBuckets]).isEqualTo(FeatureHash.MISSING_ID);
    }

    @Test
    void shouldEncodeCensusRowsWithMissingValuesAndStandardizedNumbers() {
        assumeAdult();
        Encoder encoder = new Encoder(census);
        Encoded e = encoder.newEncoded();
        int occupation = census.sparseNames().indexOf("occupation");
        int checkedMissing = 0;

        for (String[] t : RealData.adultTokens(ROWS)) {
            encoder.encode(RealData.census(t), e);
            String occ = t[6];
            long seed = Xxh64Reference.hash("occupation".getBytes(StandardCharsets.UTF_8), 0L);
            assertThat(e.ids()[occupation]).isEqualTo(occ.equals("?") ? FeatureHash.MISSING_ID
                    : Xxh64Reference.hash(occ.getBytes(StandardCharsets.UTF_8), seed));
            checkedMissing += occ.equals("?") ? 1 : 0;
        }
        assertThat(checkedMissing).as("the sample has '?' occupations").isPositive();

        encoder.encode(RealData.census(RealData.adultTokens(1).get(0)), e);
        // first row: age 39, education_num 13, capital_gain 2174, capital_loss 0, hours 40; by hand:
        // (39 - 38.58) / 13.64 = 0.030791789, (13 - 10.08) / 2.57 = 1.136186770, ln(2175) = 7.684783943,
        // ln(1) = 0, (40 - 40.44) / 12.35 = -0.035627530
        assertThat(e.numeric()).containsExactly(new float[]{0.030791789f, 1.136186770f, 7.684783943f, 0f,
                -0.035627530f}, within(1e-6f));
    }

    @Test
    void shouldGiveOneValueInTwoFieldsDifferentIds() {
        Encoder encoder = new Encoder(criteo);
        CriteoFeatures r = new CriteoFeatures();
        r.setC1("68fd1e64");
        r.setC2("68fd1e64");

        Encoded e = encoder.encode(r, encoder.newEncoded());

        assertThat(e.ids()[0]).isNotEqualTo(e.ids()[1]);
        assertThat(e.ids()[2]).isEqualTo(FeatureHash.MISSING_ID);
    }

    @Test
    void shouldEncodeAGenericRecordLikeTheEquivalentSpecificOne() {
        FeatureSpec spec = personSpec();
        Schema schema = SchemaBuilder.record("Person").fields()
                .optionalString("occupation").optionalInt("age").optionalString("gender").endRecord();
        GenericData.Record generic = new GenericData.Record(schema);
        generic.put("gender", new Utf8("Female"));
        generic.put("age", 39);
        generic.put("occupation", new Utf8("Tech-support"));
        CensusFeatures specific = CensusFeatures.newBuilder().setGender("Female").setAge(39L)
                .setOccupation("Tech-support").build();
        Encoder encoder = new Encoder(spec);

        Encoded a = encoder.encode(generic, encoder.newEncoded());
        Encoded b = encoder.encode(specific, encoder.newEncoded());

        assertThat(a).isEqualTo(b);
        assertThat(a.ids()[2]).isEqualTo(1L);
        assertThat(a.numeric()).containsExactly(39f);
    }

    @Test
    void shouldNameTheFieldARecordTypeLacks() {
        Schema schema = SchemaBuilder.record("Person").fields().optionalString("gender").endRecord();
        Encoder encoder = new Encoder(census);

        assertThatThrownBy(() -> encoder.encode(new GenericData.Record(schema), encoder.newEncoded()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("feature spec 'census' column 'workclass' reads field 'workclass', but record type "
                        + "Person has no such field");
    }

    @Test
    void shouldRefuseAFieldWhoseTypeCannotFeedTheColumn() {
        Schema schema = SchemaBuilder.record("Person").fields()
                .optionalString("occupation").optionalString("age").optionalString("gender").endRecord();
        Encoder encoder = new Encoder(personSpec());

        assertThatThrownBy(() -> encoder.encode(new GenericData.Record(schema), encoder.newEncoded()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("column 'age_b' reads field 'age' of record type Person")
                .hasMessageContaining("cannot be a number");
    }

    private static FeatureSpec personSpec() {
        return FeatureSpec.parse(PERSON_SPEC);
    }

    private static final String PERSON_SPEC = "{\"name\":\"p\",\"numeric\":[{\"name\":\"age_b\",\"field\":\"age\","
            + "\"transform\":\"bucketize\",\"boundaries\":[30]},{\"name\":\"age\",\"transform\":\"identity\"}],"
            + "\"categorical\":[{\"name\":\"gender\"},{\"name\":\"occupation\"}],"
            + "\"crosses\":[{\"columns\":[\"gender\",\"age_b\"]}],\"embedding_dim\":2,\"hidden_layers\":[2],"
            + "\"activation\":\"relu\",\"optimizer\":{\"wide\":{\"type\":\"ftrl\",\"alpha\":0.1,\"beta\":1,"
            + "\"l1\":0,\"l2\":0},\"embedding\":{\"type\":\"adagrad\",\"learning_rate\":0.1,\"init_std\":0.01,"
            + "\"initial_accumulator\":0.1},\"dense\":{\"type\":\"adam\",\"learning_rate\":0.01,\"beta1\":0.9,"
            + "\"beta2\":0.999,\"epsilon\":1e-8}},\"batch_size\":4,\"admission_threshold\":1,"
            + "\"idle_expiry_seconds\":0,\"limits\":{\"max_wide_rows\":10,\"max_embedding_rows\":10},\"seed\":1}";
}

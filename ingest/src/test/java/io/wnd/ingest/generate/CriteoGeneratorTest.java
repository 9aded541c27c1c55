package io.wnd.ingest.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.wnd.avro.CriteoFeatures;
import io.wnd.ingest.Row;
import io.wnd.state.metrics.StreamMetrics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CriteoGeneratorTest {
  private static final int ROWS = 100_000;
  private static final Pattern CRITEO_HEX = Pattern.compile("[0-9a-f]{8}");

  /** 100,000 rows of seed 1, drawn once for the distribution tests. */
  private final List<Row> rows = new ArrayList<>(ROWS);
  private StreamMetrics.Snapshot truthMetrics;
  private GroundTruth truth;

  @BeforeAll
  void generate() {
    CriteoGenerator generator = new CriteoGenerator(1, ROWS);
    for (Row row = generator.next(); row != null; row = generator.next()) {
      rows.add(row);
    }
    truthMetrics = generator.groundTruthMetrics();
    truth = generator.groundTruth();
  }

  private static CriteoFeatures features(Row row) {
    return (CriteoFeatures) row.features();
  }

  private Map<String, Integer> valueCounts(String field) {
    Map<String, Integer> counts = new HashMap<>();
    for (Row row : rows) {
      Object value = features(row).get(field);
      if (value != null) {
        counts.merge((String) value, 1, Integer::sum);
      }
    }
    return counts;
  }

  private double missingRate(String field) {
    return rows.stream().filter(row -> features(row).get(field) == null).count() / (double) ROWS;
  }

  @Test
  void shouldProduceIdenticalRowsForTheSameSeed() {
    CriteoGenerator again = new CriteoGenerator(1, 2_000);
    for (int i = 0; i < 2_000; i++) {
      assertThat(again.next()).isEqualTo(rows.get(i));
    }
    assertThat(new CriteoGenerator(1, 10).groundTruth().bias()).isEqualTo(truth.bias());
  }

  @Test
  void shouldProduceDifferentRowsForDifferentSeeds() {
    CriteoGenerator other = new CriteoGenerator(2, 1_000);
    Set<Object> seed1C1 = new HashSet<>();
    Set<Object> seed2C1 = new HashSet<>();
    int identical = 0;
    for (int i = 0; i < 1_000; i++) {
      Row row = other.next();
      identical += row.features().equals(rows.get(i).features()) ? 1 : 0;
      seed1C1.add(features(rows.get(i)).getC1());
      seed2C1.add(features(row).getC1());
    }
    assertThat(identical).isZero();
    // the category strings themselves depend on the seed, not only their order
    seed1C1.retainAll(seed2C1);
    assertThat(seed1C1).isEmpty();
    assertThat(new CriteoGenerator(2, 10).groundTruth().bias()).isNotEqualTo(truth.bias());
  }

  @Test
  void shouldDrawOtherRowsOfTheSameDistributionInAnotherStreamOfTheSeed() {
    CriteoGenerator sameStream = new CriteoGenerator(1, 1_000, CriteoGenerator.DEFAULT_BASE_RATE,
        CriteoGenerator.DEFAULT_ZIPF_EXPONENT, Integer.MAX_VALUE, 0);
    CriteoGenerator other = new CriteoGenerator(1, ROWS, CriteoGenerator.DEFAULT_BASE_RATE,
        CriteoGenerator.DEFAULT_ZIPF_EXPONENT, Integer.MAX_VALUE, 1);
    int identical = 0;
    List<Row> otherRows = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      Row row = other.next();
      otherRows.add(row);
      if (i < 1_000) {
        assertThat(sameStream.next()).as("stream 0 is the default rows").isEqualTo(rows.get(i));
        identical += row.features().equals(rows.get(i).features()) ? 1 : 0;
      }
    }
    assertThat(identical).isZero();
    assertThat(other.groundTruth().bias()).as("the same ground truth").isEqualTo(truth.bias());
    // the same categories, as often: most occurrences of C4 (about 1.4 million values) in one stream are of values
    // the other stream has too
    Map<String, Integer> c4 = valueCounts("C4");
    long shared = otherRows.stream().map(r -> features(r).getC4()).filter(v -> v != null && c4.containsKey(v)).count();
    long present = otherRows.stream().filter(r -> features(r).getC4() != null).count();
    assertThat(shared / (double) present).isGreaterThan(0.5);
  }

  @Test
  void shouldDrawAtMostMaxCardinalityValuesPerCategoricalField() {
    CriteoGenerator capped = new CriteoGenerator(1, 20_000, 0.2, CriteoGenerator.DEFAULT_ZIPF_EXPONENT, 50);
    List<Set<Object>> seen = new ArrayList<>();
    for (int f = 0; f < 26; f++) {
      seen.add(new HashSet<>());
    }
    for (Row row = capped.next(); row != null; row = capped.next()) {
      CriteoFeatures c = features(row);
      for (int f = 0; f < 26; f++) {
        Object v = c.get(13 + f);
        if (v != null) {
          seen.get(f).add(v);
        }
      }
    }
    int largest = seen.stream().mapToInt(Set::size).max().orElseThrow();
    assertThat(largest).as("values of the most varied field").isLessThanOrEqualTo(50).isGreaterThan(10);
    // without the cap the same field (C3, ten million values) varies far more
    Set<Object> c3 = new HashSet<>();
    for (int i = 0; i < 20_000; i++) {
      c3.add(features(rows.get(i)).getC3());
    }
    assertThat(c3.size()).isGreaterThan(1_000);
    assertThatThrownBy(() -> new CriteoGenerator(1, 1, 0.2, CriteoGenerator.DEFAULT_ZIPF_EXPONENT, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxCardinality");
  }

  @Test
  void shouldNumberRowsAndStopAfterCount() {
    CriteoGenerator generator = new CriteoGenerator(3, 5);
    for (int i = 0; i < 5; i++) {
      Row row = generator.next();
      assertThat(row.index()).isEqualTo(i);
      assertThat(row.line()).isEqualTo(i + 1);
      assertThat(row.label()).isIn(0, 1);
    }
    assertThat(generator.next()).isNull();
    assertThat(generator.next()).isNull();
    assertThat(generator.generated()).isEqualTo(5);
    assertThat(generator.groundTruthMetrics().count()).isEqualTo(5);
    assertThat(new CriteoGenerator(3, 0).next()).isNull();
  }

  @Test
  void shouldRunEndlesslyForANegativeCountUntilClosed() {
    CriteoGenerator generator = new CriteoGenerator(4, -1);
    for (int i = 0; i < 20_000; i++) {
      assertThat(generator.next()).isNotNull();
    }
    generator.close();
    assertThat(generator.next()).isNull();
    assertThat(generator.generated()).isEqualTo(20_000);
  }

  @Test
  void shouldBeNamedAfterItsSeed() {
    assertThat(new CriteoGenerator(17, 1).name()).isEqualTo("generated-seed-17");
  }

  @Test
  void shouldWriteCategoriesAsCriteoHexStrings() {
    for (Row row : rows.subList(0, 1_000)) {
      for (int f = 1; f <= 26; f++) {
        Object value = features(row).get("C" + f);
        if (value != null) {
          assertThat((String) value).matches(CRITEO_HEX);
        }
      }
    }
  }

  @Test
  void shouldRespectTheCardinalityOfSmallFields() {
    assertThat(valueCounts("C9")).hasSizeLessThanOrEqualTo(3);
    assertThat(valueCounts("C20")).hasSizeLessThanOrEqualTo(4);
    assertThat(valueCounts("C17")).hasSizeLessThanOrEqualTo(10);
    assertThat(valueCounts("C6")).hasSizeLessThanOrEqualTo(24);
  }

  @Test
  void shouldSpreadLargeFieldsOverManyZipfSkewedValues() {
    Map<String, Integer> c3 = valueCounts("C3");
    assertThat(c3.size()).isGreaterThan(10_000);

    List<Integer> frequencies = new ArrayList<>(c3.values());
    frequencies.sort(null);
    int top = frequencies.get(frequencies.size() - 1);
    int median = frequencies.get(frequencies.size() / 2);
    assertThat(top).isGreaterThan(100 * median);

    // Zipf with exponent 1.1: the most frequent value is 2^1.1 = 2.14 times as frequent as the second
    int second = frequencies.get(frequencies.size() - 2);
    assertThat(top / (double) second).isBetween(1.8, 2.5);
  }

  @Test
  void shouldMissFieldsAtCriteoLikeRates() {
    assertThat(missingRate("I1")).isCloseTo(0.45, within(0.01));
    assertThat(missingRate("I2")).isZero();
    assertThat(missingRate("C1")).isZero();
    assertThat(missingRate("C22")).isCloseTo(0.76, within(0.01));
    // C19, C20, C25 and C26 are missing in the same rows, as in the Kaggle data
    assertThat(rows)
        .allMatch(row -> (features(row).getC19() == null) == (features(row).getC26() == null));
    assertThat(missingRate("C19")).isCloseTo(0.44, within(0.01));
  }

  @Test
  void shouldDrawHeavyTailedCountsAndNegativeI2() {
    long negativeI2 = rows.stream().filter(row -> features(row).getI2() < 0).count();
    assertThat(negativeI2 / (double) ROWS).isCloseTo(0.1, within(0.01));
    List<Long> i5 = new ArrayList<>();
    for (Row row : rows) {
      if (features(row).getI5() != null) {
        i5.add(features(row).getI5());
      }
    }
    i5.sort(null);
    long median = i5.get(i5.size() / 2);
    long p999 = i5.get((int) (i5.size() * 0.999));
    assertThat(p999).isGreaterThan(100 * median);
  }

  @Test
  void shouldClickAtTheTargetRate() {
    long clicks = rows.stream().filter(Row::positive).count();
    assertThat(clicks / (double) ROWS).isCloseTo(0.2, within(0.01));

    CriteoGenerator rare = new CriteoGenerator(5, 50_000, 0.03);
    long rareClicks = 0;
    for (Row row = rare.next(); row != null; row = rare.next()) {
      rareClicks += row.label();
    }
    assertThat(rareClicks / 50_000.0).isCloseTo(0.03, within(0.004));
  }

  @Test
  void shouldHaveAGroundTruthThatBeatsTheConstantPredictor() {
    long clicks = rows.stream().filter(Row::positive).count();
    double r = clicks / (double) ROWS;
    double constantLogLoss = -(r * Math.log(r) + (1 - r) * Math.log(1 - r));

    assertThat(truthMetrics.auc()).isGreaterThan(0.7);
    assertThat(truthMetrics.logLoss()).isLessThan(constantLogLoss - 0.05);
    assertThat(truthMetrics.observedRate()).isEqualTo(r);
  }

  @Test
  void shouldReportMetricsThatTheRecordsThemselvesReproduce() {
    // Scores every record through the public path (parsing the hex strings back) and recomputes the
    // log loss and mean prediction by the textbook formula: checks the generator's fast path too.
    double loss = 0;
    double sumP = 0;
    for (Row row : rows) {
      double p = truth.probability(features(row));
      loss -= row.label() == 1 ? Math.log(p) : Math.log(1 - p);
      sumP += p;
    }
    assertThat(truthMetrics.count()).isEqualTo(ROWS);
    assertThat(truthMetrics.logLoss()).isCloseTo(loss / ROWS, within(1e-9));
    assertThat(truthMetrics.meanPrediction()).isCloseTo(sumP / ROWS, within(1e-12));
  }

  @Test
  void shouldRejectAnImpossibleConfiguration() {
    assertThatThrownBy(() -> new CriteoGenerator(1, 10, 1.0)).hasMessageContaining("baseRate");
    assertThatThrownBy(() -> new CriteoGenerator(1, 10, Double.NaN)).hasMessageContaining("baseRate");
    assertThatThrownBy(() -> new CriteoGenerator(1, 10, 0.2, 0.0)).hasMessageContaining("zipfExponent");
  }
}

package io.wnd.scorer.internals;

import static org.assertj.core.api.Assertions.assertThat;

import io.wnd.avro.CensusFeatures;
import io.wnd.avro.CriteoFeatures;
import io.wnd.avro.Impression;
import io.wnd.avro.LabelledExample;
import io.wnd.schemas.topics.Topics;
import java.time.Instant;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;

class ReceivedImpressionTest {
  private final Topics.Serdes serdes = Topics.serdes(null);
  private final Deserializer<Impression> deserializer = ReceivedImpression.deserializer(serdes.impressions());

  @Test
  void shouldEncodeTheNegativeExampleAsTheExamplesSerdeDoes() {
    SplittableRandom r = new SplittableRandom(7);
    for (int n = 0; n < 200; n++) {
      Object features = n % 10 == 9 ? census(r) : criteo(r);
      String id = "imp-" + "é".repeat(n % 3) + n; // ids of several lengths, some not ASCII
      Impression imp = new Impression(id, Instant.ofEpochMilli(1_700_000_000_000L + r.nextLong(1L << 40)), features);
      Impression read = deserializer.deserialize("t", serdes.impressions().serialize("t", imp));
      assertThat(read).isInstanceOf(ReceivedImpression.class);
      assertThat(read.getId()).isEqualTo(imp.getId());
      assertThat(read.getEventTime()).isEqualTo(imp.getEventTime());
      assertThat(read.getFeatures()).isEqualTo(imp.getFeatures());
      double p = r.nextDouble();
      long version = r.nextLong(1_000_000);
      String key = n % 4 == 0 ? "key-" + n : id; // the join's id may be the record key
      byte[] spliced = ((ReceivedImpression) read).negativeExample(key, imp.getEventTime().toEpochMilli(), p, "ctr",
          version);
      LabelledExample expected = new LabelledExample(key, 0, imp.getEventTime(), null, p, "ctr", version, features);
      assertThat(spliced).as("impression %d", n).isEqualTo(serdes.examples().serialize("t", expected));
      assertThat(serdes.examples().deserialize("t", spliced)).isEqualTo(expected);
    }
  }

  @Test
  void shouldTurnAStoredNegativeIntoThePositiveTheExamplesSerdeEncodes() {
    SplittableRandom r = new SplittableRandom(11);
    for (int n = 0; n < 200; n++) {
      Object features = n % 10 == 9 ? census(r) : criteo(r);
      String id = "imp-" + "é".repeat(n % 3) + n;
      Instant t = Instant.ofEpochMilli(n % 7 == 0 ? r.nextLong(100) : 1_700_000_000_000L + r.nextLong(1L << 40));
      // click times whose varints are shorter, as long as and longer than the impression time's
      long clickTime = switch (n % 4) {
        case 0 -> r.nextLong(64);
        case 1 -> t.toEpochMilli();
        case 2 -> t.toEpochMilli() + r.nextLong(600_000);
        default -> (1L << 50) + r.nextLong(1000);
      };
      double p = r.nextDouble();
      LabelledExample negative = new LabelledExample(id, 0, t, null, p, "ctr", (long) n, features);
      byte[] stored = n % 2 == 0 ? serdes.examples().serialize("t", negative)
          : ((ReceivedImpression) deserializer.deserialize("t", serdes.impressions().serialize("t",
              new Impression(id, t, features)))).negativeExample(id, t.toEpochMilli(), p, "ctr", n);

      byte[] positive = ReceivedImpression.positiveExample(stored, clickTime);

      LabelledExample expected = new LabelledExample(id, 1, t, Instant.ofEpochMilli(clickTime), p, "ctr", (long) n,
          features);
      assertThat(positive).as("example %d", n).isEqualTo(serdes.examples().serialize("t", expected));
    }
  }

  @Test
  void shouldLeaveToTheSerdeAnExampleItCannotPatch() {
    LabelledExample negative = new LabelledExample("a", 0, Instant.ofEpochMilli(5), null, 0.5, "ctr", 1L,
        criteo(new SplittableRandom(3)));
    byte[] stored = serdes.examples().serialize("t", negative);
    byte[] otherSchema = stored.clone();
    otherSchema[5] ^= 1;
    byte[] labelled = serdes.examples().serialize("t", LabelledExample.newBuilder(negative).setLabel(1)
        .setClickTime(Instant.ofEpochMilli(9)).build());

    assertThat(ReceivedImpression.positiveExample(otherSchema, 9)).isNull();
    assertThat(ReceivedImpression.positiveExample(labelled, 9)).isNull();
    assertThat(ReceivedImpression.positiveExample(Arrays.copyOf(stored, 12), 9)).isNull();
    assertThat(ReceivedImpression.positiveExample(Arrays.copyOf(stored, 4), 9)).isNull();
  }

  @Test
  void shouldKeepNoBytesOfAnotherSchemaOrOfBytesItCannotWalk() {
    byte[] bytes = serdes.impressions().serialize("t", new Impression("a", Instant.ofEpochMilli(5), criteo(
        new SplittableRandom(1))));
    assertThat(ReceivedImpression.featuresAt(bytes)).isGreaterThan(10);
    byte[] otherSchema = bytes.clone();
    otherSchema[5] ^= 1; // another writer fingerprint
    assertThat(ReceivedImpression.featuresAt(otherSchema)).isEqualTo(-1);
    assertThat(ReceivedImpression.featuresAt(Arrays.copyOf(bytes, 11))).isEqualTo(-1); // cut inside the id
    assertThat(ReceivedImpression.featuresAt(Arrays.copyOf(bytes, 5))).isEqualTo(-1); // cut inside the header
    assertThat(deserializer.deserialize("t", null)).isNull();
  }

  private static CriteoFeatures criteo(SplittableRandom r) {
    CriteoFeatures f = new CriteoFeatures();
    for (int i = 0; i < 13; i++) {
      f.put(i, r.nextInt(5) == 0 ? null : r.nextLong(-5, 1L << 40));
    }
    for (int i = 0; i < 26; i++) {
      f.put(13 + i, r.nextInt(5) == 0 ? null : Long.toHexString(r.nextLong()));
    }
    return f;
  }

  private static CensusFeatures census(SplittableRandom r) {
    return CensusFeatures.newBuilder().setAge(r.nextLong(90)).setWorkclass(r.nextBoolean() ? null : "State-gov")
        .setFnlwgt(77516L).setEducation("Bachelors").setEducationNum(13L).setMaritalStatus("Never-married")
        .setOccupation("Adm-clerical").setRelationship("Not-in-family").setRace("White").setGender("Male")
        .setCapitalGain(2174L).setCapitalLoss(0L).setHoursPerWeek(40L).setNativeCountry("United-States").build();
  }
}

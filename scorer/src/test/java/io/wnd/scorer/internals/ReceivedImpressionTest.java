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

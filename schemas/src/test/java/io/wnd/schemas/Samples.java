package io.wnd.schemas;

import io.wnd.avro.CensusFeatures;
import io.wnd.avro.Click;
import io.wnd.avro.CriteoFeatures;
import io.wnd.avro.DenseChunk;
import io.wnd.avro.Impression;
import io.wnd.avro.LabelledExample;
import io.wnd.avro.ModelManifest;
import io.wnd.avro.ModelRecord;
import io.wnd.avro.Score;
import io.wnd.avro.SparseBlock;
import io.wnd.avro.TopicOffset;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One example of every record type. The Criteo-layout values are made up (the Criteo data may not be
 * copied into the repository); the census row is row 1 of UCI Adult (CC BY 4.0, see NOTICE).
 */
public final class Samples {
  private Samples() {}

  public static CriteoFeatures criteo() {
    return CriteoFeatures.newBuilder()
        .setI1(3L).setI2(-1L).setI3(7L).setI4(0L).setI5(2048L).setI6(11L).setI7(9L).setI8(4L).setI9(120L)
        .setI10(0L).setI11(5L).setI12(null).setI13(6L)
        .setC1("52e6b438").setC2("f2a74de4").setC3("269e0d37").setC4("6513270e").setC5("a6a3a450")
        .setC6("0c5c7fd0").setC7("128b2f33").setC8("d23f0824").setC9("892f902b").setC10("1818e811")
        .setC11("5d9dc9f8").setC12("9531985d").setC13("0ed90475").setC14("e8e25d94").setC15("81e74ef5")
        .setC16("36f675cc").setC17("099950d8").setC18("1600a35a").setC19("6f03675a").setC20("6b0d549b")
        .setC21("11e20b8f").setC22(null).setC23("1738f7d9").setC24("8d116ece").setC25("6cad4a26")
        .setC26("0f21ddb6")
        .build();
  }

  public static CensusFeatures census() {
    return CensusFeatures.newBuilder().setAge(39L).setWorkclass("State-gov").setFnlwgt(77516L)
        .setEducation("Bachelors").setEducationNum(13L).setMaritalStatus("Never-married")
        .setOccupation("Adm-clerical").setRelationship("Not-in-family").setRace("White").setGender("Male")
        .setCapitalGain(2174L).setCapitalLoss(0L).setHoursPerWeek(40L).setNativeCountry("United-States").build();
  }

  public static Impression impression(String id) {
    return Impression.newBuilder().setId(id).setEventTime(Instant.ofEpochMilli(1_700_000_000_000L))
        .setFeatures(criteo()).build();
  }

  public static Click click(String id) {
    return Click.newBuilder().setImpressionId(id).setEventTime(Instant.ofEpochMilli(1_700_000_030_000L)).build();
  }

  public static Score score(String id) {
    return Score.newBuilder().setImpressionId(id).setProbability(0.25).setLogit(Math.log(0.25 / 0.75))
        .setModel("criteo").setVersion(3L).setEventTime(Instant.ofEpochMilli(1_700_000_000_000L))
        .setScoredAt(Instant.ofEpochMilli(1_700_000_000_004L)).build();
  }

  public static LabelledExample example(String id) {
    return LabelledExample.newBuilder().setImpressionId(id).setLabel(1)
        .setImpressionTime(Instant.ofEpochMilli(1_700_000_000_000L))
        .setClickTime(Instant.ofEpochMilli(1_700_000_030_000L)).setServedProbability(0.25)
        .setServedModel("criteo").setServedVersion(3L).setFeatures(census()).build();
  }

  public static List<ModelRecord> modelRecords() {
    ModelManifest manifest = ModelManifest.newBuilder().setModel("criteo").setVersion(2L).setParent(1L)
        .setCreatedAt(Instant.ofEpochMilli(1_700_000_100_000L)).setExamplesSeen(10_000L)
        .setConsumed(List.of(new TopicOffset("wnd.examples", 0, 5_000L), new TopicOffset("wnd.examples", 1, 5_000L)))
        .setMetrics(Map.of("auc", 0.74, "logloss", 0.48)).setSpec("{\"name\":\"criteo\"}").setDenseChunks(1)
        .setDenseChecksum(123L).setSparseBlocks(1).setSparseChecksum(456L).setBytes(2048L).build();
    DenseChunk dense = DenseChunk.newBuilder().setModel("criteo").setVersion(2L).setIndex(0).setCount(1)
        .setData(ByteBuffer.wrap(new byte[] {0, 0, (byte) 0x80, 0x3f})).setChecksum(7L).build();
    SparseBlock sparse = SparseBlock.newBuilder().setModel("criteo").setVersion(2L).setTable("embedding")
        .setField("C1").setBlock(17).setDim(1).setIds(List.of(42L)).setValues(ByteBuffer.wrap(new byte[] {0, 0, 0, 0x3f}))
        .setChecksum(9L).build();
    return List.of(new ModelRecord(manifest), new ModelRecord(dense), new ModelRecord(sparse));
  }
}

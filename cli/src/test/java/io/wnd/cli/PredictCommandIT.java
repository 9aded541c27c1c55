package io.wnd.cli;

import static io.wnd.cli.WndIT.wnd;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wnd.avro.CensusFeatures;
import io.wnd.broker.LocalKafka;
import io.wnd.broker.junit.KafkaExtension;
import io.wnd.schemas.topics.Topics;
import io.wnd.state.encode.Encoder;
import io.wnd.state.file.ModelFile;
import io.wnd.state.model.ForwardPass;
import io.wnd.state.model.WideDeepModel;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.version.ModelVersion;
import io.wnd.state.version.SparseDelta;
import io.wnd.state.version.Table;
import io.wnd.state.version.VersionPublisher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(KafkaExtension.class)
class PredictCommandIT {
  private static final String INSTANCE_1 = "{\"age\": 39, \"workclass\": \"State-gov\", \"education\": \"Bachelors\", "
      + "\"education_num\": 13, \"occupation\": \"Adm-clerical\", \"gender\": \"Male\", \"hours_per_week\": 40}";
  private static final String INSTANCE_2 = "{\"age\": 52, \"workclass\": \"Private\", \"education\": \"Masters\", "
      + "\"occupation\": \"Exec-managerial\", \"capital_gain\": 15024}";
  private final ObjectMapper mapper = new ObjectMapper();

  /** A census model whose wide rows give every id seen in the instances a weight, so predictions differ. */
  static WideDeepModel model(FeatureSpec spec) {
    WideDeepModel m = WideDeepModel.create(spec);
    Encoder enc = new Encoder(spec);
    CensusFeatures a = new CensusFeatures();
    a.setAge(39L);
    a.setWorkclass("State-gov");
    a.setEducation("Bachelors");
    a.setOccupation("Adm-clerical");
    var e = enc.encode(a, enc.newEncoded());
    for (int f = 0; f < e.wideIds().length; f++) {
      m.wide().put(f, e.wideIds()[f], new float[] {0.1f * (f + 1)});
    }
    m.tower().setBias(-0.7f);
    return m;
  }

  static double expected(FeatureSpec spec, WideDeepModel m, String json) throws Exception {
    JsonNode n = new ObjectMapper().readTree(json);
    CensusFeatures f = new CensusFeatures();
    n.fields().forEachRemaining(en -> {
      var field = f.getSchema().getField(en.getKey());
      f.put(field.pos(), en.getValue().isNumber() ? (Object) en.getValue().longValue() : en.getValue().textValue());
    });
    Encoder enc = new Encoder(spec);
    return new ForwardPass(m).probability(enc.encode(f, enc.newEncoded()));
  }

  @Test
  void shouldPredictJsonInstancesWithAModelFileAndWithTheLatestVersionOnTheTopic(LocalKafka kafka, @TempDir Path dir)
      throws Exception {
    FeatureSpec spec = FeatureSpec.builtin("census");
    WideDeepModel m = model(spec);
    ModelVersion v = new ModelVersion("census", 3, 2, 1L, 10, Map.of(), Map.of(), spec.toJson(), m.tower().toFlat(), 0);
    Path file = dir.resolve("census.wndmodel");
    ModelFile.write(file, v, m.wide(), m.embeddings());
    Path instances = Files.write(dir.resolve("instances.json"), List.of(INSTANCE_1, INSTANCE_2));

    WndIT.Result r = wnd("predict", "--model-file", file.toString(), "--json-instances", instances.toString(), "--json");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode j = mapper.readTree(r.lastLine());
    assertThat(j.get("version").asLong()).isEqualTo(3);
    JsonNode p0 = j.get("predictions").get(0);
    double p = expected(spec, m, INSTANCE_1);
    assertThat(p0.get("logistic").get(0).asDouble()).isCloseTo(p, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(p0.get("probabilities").get(0).asDouble()).isCloseTo(1 - p, org.assertj.core.data.Offset.offset(1e-12));
    // the scorer's :predict shape: classes as strings, class_ids as numbers
    assertThat(p0.get("classes").get(0).asText()).isEqualTo(p >= 0.5 ? "1" : "0");
    assertThat(p0.get("class_ids").get(0).asInt()).isEqualTo(p >= 0.5 ? 1 : 0);
    assertThat(p0.get("logits").get(0).asDouble()).isCloseTo(Math.log(p / (1 - p)), org.assertj.core.data.Offset.offset(1e-9));
    assertThat(j.get("predictions").get(1).get("logistic").get(0).asDouble()).isNotEqualTo(p);

    // Criteo instances for the census model: one line saying so, and no partial table on stdout
    Path criteo = Files.write(dir.resolve("criteo.json"), List.of(INSTANCE_1, "{\"I1\": 3, \"C1\": \"68fd1e64\"}"));
    WndIT.Result wrongKind = wnd("predict", "--model-file", file.toString(), "--json-instances", criteo.toString());
    assertThat(wrongKind.code()).isEqualTo(1);
    assertThat(wrongKind.out()).isEmpty();
    assertThat(wrongKind.err()).contains("model census v3 cannot read " + criteo)
        .contains("these are Criteo rows: a model trained with --spec criteo");
    // a model file given to --model (a model on the topic)
    WndIT.Result fileAsName = wnd("predict", "--model", file.toString(), "--json-instances", instances.toString());
    assertThat(fileAsName.code()).isEqualTo(2);
    assertThat(fileAsName.err()).contains("use --model-file " + file);

    WndIT.Result table = wnd("predict", "--model-file", file.toString(), "--json-instances", instances.toString());
    assertThat(table.out()).startsWith("CLASSES  LOGISTIC").contains("PROBABILITIES");
    assertThat(table.out()).as("no padding zeros").doesNotContainPattern("[0-9]00[],]");

    // the same model published on the topic
    String prefix = "p" + UUID.randomUUID().toString().substring(0, 6) + ".";
    assertThat(wnd("topics", "create", "-b", kafka.bootstrapServers(), "--topic-prefix", prefix).code()).isZero();
    SparseDelta wide = new SparseDelta(Table.WIDE, 1);
    m.wide().forEach((field, id, values, offset) -> wide.put(field, id, values, offset));
    try (VersionPublisher pub = new VersionPublisher(Map.of("bootstrap.servers", kafka.bootstrapServers()),
        new Topics(prefix, 1), "predict-it")) {
      pub.publish(new ModelVersion("census", 1, 0, 1L, 10, Map.of(), Map.of(), spec.toJson(), m.tower().toFlat(), 0),
          List.of(wide), Map.of(), null);
    }
    WndIT.Result fromTopic = wnd("predict", "-b", kafka.bootstrapServers(), "--topic-prefix", prefix, "--model", "census",
        "--json-instances", instances.toString(), "--json");
    assertThat(fromTopic.code()).as(fromTopic.err()).isZero();
    JsonNode t = mapper.readTree(fromTopic.lastLine());
    assertThat(t.get("version").asLong()).isEqualTo(1);
    assertThat(t.get("predictions").get(0).get("logistic").get(0).asDouble())
        .isCloseTo(p, org.assertj.core.data.Offset.offset(1e-12));

    // list, show and export the version on the topic; the exported file predicts the same
    WndIT.Result list = wnd("versions", "list", "-b", kafka.bootstrapServers(), "--topic-prefix", prefix, "--model", "census",
        "--json");
    assertThat(list.code()).as(list.err()).isZero();
    JsonNode versions = mapper.readTree(list.lastLine()).get("versions");
    assertThat(versions).hasSize(1);
    assertThat(versions.get(0).get("version").asLong()).isEqualTo(1);
    assertThat(versions.get(0).get("sparse_records").asLong()).isEqualTo(m.wide().size());
    assertThat(wnd("versions", "show", "7", "-b", kafka.bootstrapServers(), "--topic-prefix", prefix, "--model", "census")
        .err()).contains("has no version 7");
    // a pin and an unpin without --reason: the listing's control record says reason null (JSON null, not "null")
    assertThat(wnd("versions", "pin", "-b", kafka.bootstrapServers(), "--topic-prefix", prefix, "--model", "census")
        .code()).isZero();
    assertThat(wnd("versions", "unpin", "-b", kafka.bootstrapServers(), "--topic-prefix", prefix, "--model", "census")
        .code()).isZero();
    JsonNode control = mapper.readTree(wnd("versions", "list", "-b", kafka.bootstrapServers(), "--topic-prefix", prefix,
        "--model", "census", "--json").lastLine()).get("control");
    assertThat(control.get("reason").isNull()).as("%s", control).isTrue();
    Path exported = dir.resolve("exported.wndmodel");
    WndIT.Result export = wnd("export", "-b", kafka.bootstrapServers(), "--topic-prefix", prefix, "--model", "census", "-o",
        exported.toString(), "--json");
    assertThat(export.code()).as(export.err()).isZero();
    assertThat(mapper.readTree(export.lastLine()).get("rows").asLong()).isEqualTo(m.wide().size());
    JsonNode again = mapper.readTree(wnd("predict", "--model-file", exported.toString(), "--json-instances",
        instances.toString(), "--json").lastLine());
    assertThat(again.get("predictions").get(0).get("logistic").get(0).asDouble())
        .isCloseTo(p, org.assertj.core.data.Offset.offset(1e-12));

    Path bad = Files.write(dir.resolve("bad.json"), List.of("{\"age\": \"old\"}"));
    WndIT.Result badRun = wnd("predict", "--model-file", file.toString(), "--json-instances", bad.toString());
    assertThat(badRun.code()).isEqualTo(1);
    assertThat(badRun.err()).contains("bad.json:1: field 'age' must be an integer");
  }
}

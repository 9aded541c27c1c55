package io.wnd.ingest.read;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wnd.avro.CensusFeatures;
import io.wnd.avro.CriteoFeatures;
import io.wnd.ingest.Row;
import java.util.Iterator;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * JSON instances, one object per line, as the seed's {@code --json-instances}: Criteo field names
 * ({@code "I1": 0, ..., "C26": "8967c0d2"}) or census ones ({@code "age": 39, "workclass": "State-gov"}).
 * A missing key or {@code null} is a missing value. An optional {@code "label"} (0/1, or for census
 * {@code "income_bracket"}) gives the label. Unknown keys and wrong types are rejected, naming the field.
 */
final class JsonParser implements LineParser {
  // an instance is a census one when it names any census field (no Criteo field has such a name)
  private static final java.util.Set<String> CENSUS_FIELDS = CensusFeatures.getClassSchema().getFields().stream()
      .map(Schema.Field::name).collect(java.util.stream.Collectors.toUnmodifiableSet());

  // one object per line: anything after it on the line is an error, not silently dropped
  private final ObjectMapper mapper = com.fasterxml.jackson.databind.json.JsonMapper.builder()
      .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  @Override
  public Parsed parse(String line) throws BadRow {
    JsonNode node;
    try {
      node = mapper.readTree(line);
    } catch (JsonProcessingException e) {
      throw new BadRow("malformed JSON (each line must be one whole instance object): " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new BadRow("expected a JSON object (one instance per line), got " + (node == null ? "nothing"
          : node.getNodeType().name().toLowerCase(java.util.Locale.ROOT)));
    }
    boolean census = node.has("income_bracket");
    for (Iterator<String> names = node.fieldNames(); names.hasNext() && !census; ) {
      census = CENSUS_FIELDS.contains(names.next());
    }
    SpecificRecordBase record = census ? new CensusFeatures() : new CriteoFeatures();
    Schema schema = record.getSchema();
    int label = Row.NO_LABEL;
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey();
      JsonNode v = e.getValue();
      if ("label".equals(key) || "clicked".equals(key)) {
        label = label(key, v);
        continue;
      }
      if (census && "income_bracket".equals(key)) {
        label = incomeLabel(v);
        continue;
      }
      Schema.Field field = schema.getField(key);
      if (field == null) {
        throw new BadRow("unknown field '" + key + "' for a " + (census ? "census" : "Criteo") + " instance");
      }
      record.put(field.pos(), value(key, v, field.schema().getTypes().get(1).getType()));
    }
    return new Parsed(label, record);
  }

  private static Object value(String key, JsonNode v, Schema.Type type) throws BadRow {
    if (v.isNull()) {
      return null;
    }
    if (type == Schema.Type.LONG) {
      if (v.isIntegralNumber() && v.canConvertToLong()) {
        return v.longValue();
      }
      if (v.isNumber() && v.doubleValue() == Math.rint(v.doubleValue()) && Math.abs(v.doubleValue()) < 9e15) {
        return (long) v.doubleValue();
      }
      throw new BadRow("field '" + key + "' must be an integer, got " + describe(v));
    }
    if (v.isTextual()) {
      return v.textValue();
    }
    throw new BadRow("field '" + key + "' must be a string, got " + describe(v));
  }

  private static int label(String key, JsonNode v) throws BadRow {
    if (v.isNull()) {
      return Row.NO_LABEL;
    }
    if (v.isIntegralNumber() && v.canConvertToLong() && (v.longValue() == 0 || v.longValue() == 1)) {
      return (int) v.longValue();
    }
    if (v.isBoolean()) {
      return v.booleanValue() ? 1 : 0;
    }
    throw new BadRow("field '" + key + "' must be 0 or 1, got " + describe(v));
  }

  private static int incomeLabel(JsonNode v) throws BadRow {
    if (v.isNull()) {
      return Row.NO_LABEL;
    }
    String s = v.isTextual() ? v.textValue().strip() : "";
    if (s.endsWith(".")) {
      s = s.substring(0, s.length() - 1);
    }
    if (">50K".equals(s)) {
      return 1;
    }
    if ("<=50K".equals(s)) {
      return 0;
    }
    throw new BadRow("field 'income_bracket' must be \">50K\" or \"<=50K\", got " + describe(v));
  }

  private static String describe(JsonNode v) {
    String s = v.toString();
    return v.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " " + (s.length() > 40 ? s.substring(0, 40) + "..." : s);
  }
}

package io.wnd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void shouldPrintOneLineWithNonFiniteNumbersAsNull() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("auc", Double.NaN);
    m.put("logloss", 0.25);
    m.put("ratio", Double.POSITIVE_INFINITY);
    m.put("f", Float.NaN);
    m.put("nested", Map.of("p", List.of(Double.NEGATIVE_INFINITY, 1.0)));
    m.put("n", 3);
    StringWriter w = new StringWriter();
    Json.print(new PrintWriter(w), m);
    assertThat(w.toString()).isEqualTo("{\"auc\":null,\"logloss\":0.25,\"ratio\":null,\"f\":null,"
        + "\"nested\":{\"p\":[null,1.0]},\"n\":3}" + System.lineSeparator());
  }
}

package io.wnd.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.io.UncheckedIOException;

/** The one-line JSON summary every reporting command prints last with {@code --json}. */
final class Json {
  /**
   * A number that is not finite (an AUC of one class, a log loss of nothing) is JSON {@code null}: Jackson would
   * write the string "NaN", which a script reading a number does not expect.
   */
  private static final ObjectMapper MAPPER = new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT)
      .registerModule(new com.fasterxml.jackson.databind.module.SimpleModule("finite-or-null")
          .addSerializer(Double.class, new com.fasterxml.jackson.databind.ser.std.StdSerializer<Double>(Double.class) {
            @Override
            public void serialize(Double v, com.fasterxml.jackson.core.JsonGenerator g,
                com.fasterxml.jackson.databind.SerializerProvider p) throws java.io.IOException {
              if (Double.isFinite(v)) {
                g.writeNumber(v);
              } else {
                g.writeNull();
              }
            }
          })
          .addSerializer(Float.class, new com.fasterxml.jackson.databind.ser.std.StdSerializer<Float>(Float.class) {
            @Override
            public void serialize(Float v, com.fasterxml.jackson.core.JsonGenerator g,
                com.fasterxml.jackson.databind.SerializerProvider p) throws java.io.IOException {
              if (Float.isFinite(v)) {
                g.writeNumber(v);
              } else {
                g.writeNull();
              }
            }
          }));

  private Json() {}

  static void print(PrintWriter out, Object value) {
    try {
      out.println(MAPPER.writeValueAsString(value));
      out.flush();
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}

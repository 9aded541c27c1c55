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
          .addSerializer(Double.class, new FiniteOrNull<>(Double.class))
          .addSerializer(Float.class, new FiniteOrNull<>(Float.class)));

  /** A double or float as Jackson writes it when finite, else {@code null}. */
  private static final class FiniteOrNull<T extends Number>
      extends com.fasterxml.jackson.databind.ser.std.StdSerializer<T> {
    FiniteOrNull(Class<T> type) {
      super(type);
    }

    @Override
    public void serialize(T v, com.fasterxml.jackson.core.JsonGenerator g,
        com.fasterxml.jackson.databind.SerializerProvider p) throws java.io.IOException {
      if (!Double.isFinite(v.doubleValue())) {
        g.writeNull();
      } else if (v instanceof Float f) {
        g.writeNumber(f); // a float's own digits, not its widening to double
      } else {
        g.writeNumber(v.doubleValue());
      }
    }
  }

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

package io.wnd.schemas.wire;

import io.wnd.avro.Click;
import io.wnd.avro.Impression;
import io.wnd.avro.LabelledExample;
import io.wnd.avro.ModelRecord;
import io.wnd.avro.Score;
import java.util.List;
import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

/** Constants and small functions of the wire format. */
public final class WireFormat {
  /** The two marker bytes that start every single-object encoded record. */
  public static final byte[] MAGIC = {(byte) 0xC3, (byte) 0x01};
  /** Bytes before the body: the marker and the 8-byte fingerprint. */
  public static final int HEADER_LENGTH = 10;

  private static final List<Schema> COMPILED_IN = List.of(Impression.getClassSchema(), Click.getClassSchema(),
      Score.getClassSchema(), LabelledExample.getClassSchema(), ModelRecord.getClassSchema());

  private WireFormat() {}

  /**
   * The top-level schemas compiled into this build: their fingerprints resolve without the schemas topic.
   *
   * @return an immutable list
   */
  public static List<Schema> compiledIn() {
    return COMPILED_IN;
  }

  /**
   * The CRC-64-AVRO fingerprint of a schema's parsing canonical form, as written in the header.
   *
   * @param schema any schema
   * @return its 64-bit fingerprint
   */
  public static long fingerprint(Schema schema) {
    return SchemaNormalization.parsingFingerprint64(schema);
  }

  /**
   * The fingerprint as the schemas topic keys it: 16 lowercase hex digits.
   *
   * @param fingerprint a 64-bit fingerprint
   * @return its hex form
   */
  public static String hex(long fingerprint) {
    return String.format(Locale.ROOT, "%016x", fingerprint);
  }
}

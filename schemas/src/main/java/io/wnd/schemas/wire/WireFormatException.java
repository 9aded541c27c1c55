package io.wnd.schemas.wire;

import org.apache.kafka.common.errors.SerializationException;

/** Bytes that are not a decodable single-object Avro record; {@link #reason()} says which way. */
public final class WireFormatException extends SerializationException {
  private static final long serialVersionUID = 1L;

  /** Why a record could not be decoded. */
  public enum Reason {
    /** Not {@code C3 01} followed by an 8-byte fingerprint. */
    BAD_HEADER,
    /** The fingerprint names a schema neither compiled in nor published on the schemas topic. */
    UNKNOWN_SCHEMA,
    /** The body ends before the record does. */
    TRUNCATED,
    /** The body does not decode with the writer schema, or cannot be resolved to the reader schema. */
    MALFORMED
  }

  private final Reason reason;

  /**
   * @param reason the kind of failure
   * @param message one line naming the problem
   * @param cause the decoder's exception, if any
   */
  public WireFormatException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  /** @return the kind of failure, used as the dead-letter reason */
  public Reason reason() {
    return reason;
  }
}

package io.wnd.scorer;

/**
 * Why the scorer refuses a record that decoded: each is a dead letter whose {@code wnd.dlq.reason} header is
 * the exception's simple class name (see {@code docs/bad-input.md} for every case and its outcome). The
 * exceptions carry no stack trace: they describe input, not a failure of the code.
 */
public final class BadInput {
  /**
   * The longest impression id, in characters: ids travel in the key and the value of every output record,
   * which must stay under the brokers' record size limit (1 MiB by default).
   */
  public static final int MAX_ID_CHARS = 1024;
  /**
   * The most characters of string feature values one impression may carry (256 Ki): its labelled example must
   * stay under the brokers' record size limit (1 MiB by default) even when every character takes 3 UTF-8 bytes.
   */
  public static final int MAX_FEATURE_CHARS = 256 * 1024;

  private BadInput() {}

  /** An impression or click with neither a record key nor an id in its value, or an id over {@link #MAX_ID_CHARS}. */
  public static final class BadIdException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what was wrong */
    public BadIdException(String message) {
      super(message, null, false, false);
    }
  }

  /** An event time before 1970: Kafka timestamps and the join's deadlines cannot be negative. */
  public static final class NegativeEventTimeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message the event time */
    public NegativeEventTimeException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * An event time too far ahead of the wall clock: it would move stream time ahead, close every open window
   * at once, and stamp output records the broker refuses ({@code message.timestamp.after.max.ms}).
   */
  public static final class FutureEventTimeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message the event time and the wall clock */
    public FutureEventTimeException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * An impression older than the join remembers ids (the latest impression scored minus two windows and the grace):
   * it might
   * have been scored already, and its window is long closed.
   */
  public static final class ExpiredImpressionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message the event time and the horizon */
    public ExpiredImpressionException(String message) {
      super(message, null, false, false);
    }
  }

  /** An impression whose string feature values total more than {@link #MAX_FEATURE_CHARS} characters. */
  public static final class OversizedFeaturesException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message the size and the limit */
    public OversizedFeaturesException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Why an id cannot be used, or null if it can.
   *
   * @param id the record key, or the id in the value where the key is missing or empty
   * @param what "impression" or "click"
   * @return a {@link BadIdException}, or null
   */
  public static RuntimeException idProblem(String id, String what) {
    if (id == null || id.isEmpty()) {
      return new BadIdException(what + " with no key and an empty id");
    }
    if (id.length() > MAX_ID_CHARS) {
      return new BadIdException(what + " id of " + id.length() + " characters (at most " + MAX_ID_CHARS + ")");
    }
    return null;
  }

  /**
   * Why a feature record is too large to process, or null.
   *
   * @param features a feature record
   * @return an {@link OversizedFeaturesException}, or null
   */
  public static RuntimeException sizeProblem(org.apache.avro.generic.IndexedRecord features) {
    long chars = 0;
    int n = features.getSchema().getFields().size();
    for (int i = 0; i < n; i++) {
      if (features.get(i) instanceof CharSequence cs) {
        chars += cs.length();
      }
    }
    if (chars > MAX_FEATURE_CHARS) {
      return new OversizedFeaturesException("string feature values of " + chars + " characters (at most "
          + MAX_FEATURE_CHARS + ")");
    }
    return null;
  }
}

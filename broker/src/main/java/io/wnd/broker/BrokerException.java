package io.wnd.broker;

/** The local broker could not start or stop; the message says why in one line. */
public final class BrokerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message one line a person can act on
   * @param cause the underlying failure
   */
  public BrokerException(String message, Throwable cause) {
    super(message, cause);
  }

  /** @param message one line a person can act on */
  public BrokerException(String message) {
    super(message);
  }
}

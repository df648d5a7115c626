package org.toolorch;

/** A failure reported by the library: its status code and its message. */
public class ToolorchException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int code;
  private final String detail;

  public ToolorchException(int code, String detail) {
    super("toolorch: " + Status.describe(code) + (detail == null || detail.isEmpty() ? "" : ": " + detail));
    this.code = code;
    this.detail = detail == null ? "" : detail;
  }

  /** The raw status code (negative). */
  public int code() {
    return code;
  }

  public Status status() {
    return Status.of(code);
  }

  /** The library's message alone, without the status name. */
  public String detail() {
    return detail;
  }
}

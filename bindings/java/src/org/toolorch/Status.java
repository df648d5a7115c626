package org.toolorch;

/**
 * The library's status codes (toolorch_status); append-only. The values come
 * from the C header through SWIG (class toolorch_status), never typed here.
 */
public enum Status {
  OK(toolorch_status.TOOLORCH_OK),
  INVALID(toolorch_status.TOOLORCH_EINVAL),
  NO_MEMORY(toolorch_status.TOOLORCH_ENOMEM),
  JSON(toolorch_status.TOOLORCH_EJSON),
  CONFIG(toolorch_status.TOOLORCH_ECONFIG),
  UNKNOWN_TOOL(toolorch_status.TOOLORCH_EUNKNOWN_TOOL),
  SCHEMA(toolorch_status.TOOLORCH_ESCHEMA),
  EXISTS(toolorch_status.TOOLORCH_EEXIST),
  TOOL(toolorch_status.TOOLORCH_ETOOL),
  TIMED_OUT(toolorch_status.TOOLORCH_ETIMEDOUT),
  CANCELLED(toolorch_status.TOOLORCH_ECANCELLED),
  ALREADY(toolorch_status.TOOLORCH_EALREADY),
  LATE(toolorch_status.TOOLORCH_ELATE),
  STATE(toolorch_status.TOOLORCH_ESTATE),
  AGAIN(toolorch_status.TOOLORCH_EAGAIN),
  CLOSED(toolorch_status.TOOLORCH_ECLOSED),
  RATE_LIMITED(toolorch_status.TOOLORCH_ERATELIMITED),
  HTTP(toolorch_status.TOOLORCH_EHTTP),
  PROVIDER(toolorch_status.TOOLORCH_EPROVIDER),
  PROTOCOL(toolorch_status.TOOLORCH_EPROTOCOL),
  REDIS(toolorch_status.TOOLORCH_EREDIS),
  TOO_BIG(toolorch_status.TOOLORCH_ETOOBIG),
  MODE(toolorch_status.TOOLORCH_EMODE),
  IO(toolorch_status.TOOLORCH_EIO),
  INTERNAL(toolorch_status.TOOLORCH_EINTERNAL),
  MAX_ROUNDS(toolorch_status.TOOLORCH_EMAXROUNDS),
  /** A code newer than this binding. */
  UNKNOWN(Integer.MIN_VALUE);

  private final int code;

  Status(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** The library's English name of a code. */
  public static String describe(int code) {
    return Text.str(Native.toolorch_strerror(code));
  }

  public static Status of(int code) {
    for (Status s : values()) if (s.code == code) return s;
    return UNKNOWN;
  }
}

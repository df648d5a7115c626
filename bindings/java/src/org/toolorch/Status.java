package org.toolorch;

/** The library's status codes (toolorch_status); append-only. */
public enum Status {
  OK(0),
  INVALID(-1),
  NO_MEMORY(-2),
  JSON(-3),
  CONFIG(-4),
  UNKNOWN_TOOL(-5),
  SCHEMA(-6),
  EXISTS(-7),
  TOOL(-8),
  TIMED_OUT(-9),
  CANCELLED(-10),
  ALREADY(-11),
  LATE(-12),
  STATE(-13),
  AGAIN(-14),
  CLOSED(-15),
  RATE_LIMITED(-16),
  HTTP(-17),
  PROVIDER(-18),
  PROTOCOL(-19),
  REDIS(-20),
  TOO_BIG(-21),
  MODE(-22),
  IO(-23),
  INTERNAL(-24),
  MAX_ROUNDS(-25),
  STREAM(-26),
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
    if (code <= 0 && code >= STREAM.code) return values()[-code];
    return UNKNOWN;
  }
}

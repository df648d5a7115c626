package org.toolorch;

/**
 * Where a call is in its life (toolorch_call_state). The values come from the
 * C header through SWIG (class toolorch_call_state), never typed here.
 */
public enum CallState {
  PENDING(toolorch_call_state.TOOLORCH_CALL_PENDING),
  WAITING(toolorch_call_state.TOOLORCH_CALL_WAITING),
  RUNNING(toolorch_call_state.TOOLORCH_CALL_RUNNING),
  SUCCEEDED(toolorch_call_state.TOOLORCH_CALL_SUCCEEDED),
  FAILED(toolorch_call_state.TOOLORCH_CALL_FAILED),
  CANCELLED(toolorch_call_state.TOOLORCH_CALL_CANCELLED),
  TIMED_OUT(toolorch_call_state.TOOLORCH_CALL_TIMED_OUT);

  private final int code;

  CallState(int code) {
    this.code = code;
  }

  /** The library's number for this state. */
  public int code() {
    return code;
  }

  static CallState of(int state) {
    for (CallState s : values()) if (s.code == state) return s;
    return PENDING;
  }
}

package org.toolorch;

/** Where a call is in its life (toolorch_call_state). */
public enum CallState {
  PENDING,
  WAITING,
  RUNNING,
  SUCCEEDED,
  FAILED,
  CANCELLED,
  TIMED_OUT;

  static CallState of(int state) {
    return state >= 0 && state < values().length ? values()[state] : PENDING;
  }
}

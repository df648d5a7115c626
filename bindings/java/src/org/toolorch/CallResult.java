package org.toolorch;

/** How one call of a batch ended: its result, or its status and error message. */
public record CallResult(String callId, String tool, CallState state, int code, String text, int attempts) {
  public boolean ok() {
    return state == CallState.SUCCEEDED;
  }

  public Status status() {
    return Status.of(code);
  }

  static CallResult of(Event e) {
    return new CallResult(e.callId(), e.tool(), e.state(), e.code(), e.text(), e.attempts());
  }
}

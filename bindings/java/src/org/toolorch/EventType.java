package org.toolorch;

/**
 * What an {@link Event} is about (toolorch_event_type). The values come from
 * the C header through SWIG (class toolorch_event_type), never typed here.
 */
public enum EventType {
  NONE(toolorch_event_type.TOOLORCH_EVENT_NONE),
  /** Never shown: the orchestrator runs the tool itself. */
  TOOL_CALL(toolorch_event_type.TOOLORCH_EVENT_TOOL_CALL),
  CALL_STARTED(toolorch_event_type.TOOLORCH_EVENT_CALL_STARTED),
  CALL_RESULT(toolorch_event_type.TOOLORCH_EVENT_CALL_RESULT),
  BATCH_DONE(toolorch_event_type.TOOLORCH_EVENT_BATCH_DONE),
  TEXT_DELTA(toolorch_event_type.TOOLORCH_EVENT_TEXT_DELTA),
  LLM_TOOL_CALL(toolorch_event_type.TOOLORCH_EVENT_LLM_TOOL_CALL),
  USAGE(toolorch_event_type.TOOLORCH_EVENT_USAGE),
  ROUND_DONE(toolorch_event_type.TOOLORCH_EVENT_ROUND_DONE),
  JOB_DONE(toolorch_event_type.TOOLORCH_EVENT_JOB_DONE),
  /** Never shown: the orchestrator interrupts the tool's thread. */
  TOOL_CANCELLED(toolorch_event_type.TOOLORCH_EVENT_TOOL_CANCELLED),
  /** What became of one guessed call: speculation() is the outcome, text() why it was dropped. */
  SPECULATION(toolorch_event_type.TOOLORCH_EVENT_SPECULATION),
  /** A running call's tool reported progress (MCP): progress(), progressTotal(), text(). */
  PROGRESS(toolorch_event_type.TOOLORCH_EVENT_PROGRESS),
  /** With the option emit_progress_events: a job's LLM request went out (round, attempts). */
  LLM_REQUEST(toolorch_event_type.TOOLORCH_EVENT_LLM_REQUEST),
  /** That request ended: code, runMicros, httpStatus, text = the error. */
  LLM_RESPONSE(toolorch_event_type.TOOLORCH_EVENT_LLM_RESPONSE),
  /** A failed LLM request will be sent again: code, text, httpStatus, waitMicros, attempts of maxAttempts. */
  LLM_RETRY(toolorch_event_type.TOOLORCH_EVENT_LLM_RETRY),
  /** A call (callId, tool) or LLM request waits for rate-limit permits of the service named by text. */
  RATE_LIMIT_WAIT(toolorch_event_type.TOOLORCH_EVENT_RATE_LIMIT_WAIT);

  private final int code;

  EventType(int code) {
    this.code = code;
  }

  /** The library's number for this type. */
  public int code() {
    return code;
  }

  static EventType of(int type) {
    for (EventType t : values()) if (t.code == type) return t;
    return NONE;
  }
}

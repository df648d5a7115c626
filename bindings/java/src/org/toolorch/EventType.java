package org.toolorch;

/** What an {@link Event} is about (toolorch_event_type). */
public enum EventType {
  NONE,
  /** Never shown: the orchestrator runs the tool itself. */
  TOOL_CALL,
  CALL_STARTED,
  CALL_RESULT,
  BATCH_DONE,
  TEXT_DELTA,
  LLM_TOOL_CALL,
  USAGE,
  ROUND_DONE,
  JOB_DONE;

  static EventType of(int type) {
    return type >= 0 && type < values().length ? values()[type] : NONE;
  }
}

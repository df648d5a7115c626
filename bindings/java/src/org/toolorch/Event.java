package org.toolorch;

/**
 * One thing a job or batch reports. Fields that do not apply to its type are
 * empty or zero.
 *
 * @param callId CALL_STARTED, CALL_RESULT, LLM_TOOL_CALL
 * @param tool the same
 * @param json LLM_TOOL_CALL, CALL_STARTED: the arguments; JOB_DONE: the transcript
 * @param text CALL_RESULT: result or error; TEXT_DELTA: text; JOB_DONE: answer or error
 * @param state CALL_RESULT
 * @param code CALL_RESULT, BATCH_DONE, JOB_DONE: 0 or the status of the failure
 * @param round a job's LLM_TOOL_CALL, CALL_RESULT, ROUND_DONE
 * @param inputTokens USAGE; JOB_DONE: totals
 * @param outputTokens USAGE; JOB_DONE: totals
 * @param attempts CALL_RESULT: runs, retries included
 * @param runMicros CALL_RESULT: time running
 * @param waitMicros CALL_RESULT: time waiting for a slot or permits; LLM_RETRY: the delay before it
 * @param parentCallId CALL_STARTED, CALL_RESULT, PROGRESS of a chain's step: the chain's call id
 * @param cacheReadTokens USAGE, JOB_DONE: the part of inputTokens read from the provider's prompt cache
 * @param cacheWriteTokens USAGE, JOB_DONE: the part written to it
 * @param maxAttempts LLM_RETRY: the last attempt allowed
 * @param httpStatus LLM_RESPONSE, LLM_RETRY: the response's HTTP status (0: none)
 * @param progress PROGRESS: how far the call is
 * @param progressTotal PROGRESS: the total, if the tool said (else 0)
 * @param speculation CALL_RESULT: how a guessed call was taken over (0: not a guess); SPECULATION: the
 *     guess's outcome (toolorch_speculation_*)
 * @param speculationJson JOB_DONE: the job's speculation summary ("" when it did not speculate)
 */
public record Event(EventType type, String callId, String tool, String json, String text, CallState state,
    int code, int round, long inputTokens, long outputTokens, int attempts, long runMicros, long waitMicros,
    String parentCallId, long cacheReadTokens, long cacheWriteTokens, int maxAttempts, int httpStatus,
    double progress, double progressTotal, int speculation, String speculationJson) {

  /** An event with the fields every type had before the progress, LLM and speculation ones. */
  public Event(EventType type, String callId, String tool, String json, String text, CallState state, int code,
      int round, long inputTokens, long outputTokens, int attempts, long runMicros, long waitMicros) {
    this(type, callId, tool, json, text, state, code, round, inputTokens, outputTokens, attempts, runMicros,
        waitMicros, "", 0, 0, 0, 0, 0, 0, 0, "");
  }

  public Status status() {
    return Status.of(code);
  }

  /** Copies what an event of its type carries out of the C event. */
  static Event read(long ev) {
    EventType type = EventType.of(Native.toolorch_event_type_of(ev));
    switch (type) {
      case CALL_STARTED:
      case LLM_TOOL_CALL:
        return new Event(type, Text.str(Native.toolorch_event_call_id(ev)),
            Text.str(Native.toolorch_event_tool_name(ev)), Text.str(Native.toolorch_event_json(ev)), "",
            CallState.PENDING, 0, Native.toolorch_event_round(ev), 0, 0, 0, 0, 0,
            Text.str(Native.toolorch_event_parent_call_id(ev)), 0, 0, 0, 0, 0, 0, 0, "");
      case CALL_RESULT:
        return new Event(type, Text.str(Native.toolorch_event_call_id(ev)),
            Text.str(Native.toolorch_event_tool_name(ev)), "", Text.str(Native.toolorch_event_text(ev)),
            CallState.of(Native.toolorch_event_call_state(ev)), Native.toolorch_event_status(ev),
            Native.toolorch_event_round(ev), 0, 0, Native.toolorch_event_attempts(ev),
            Native.toolorch_event_run_us(ev), Native.toolorch_event_wait_us(ev),
            Text.str(Native.toolorch_event_parent_call_id(ev)), 0, 0, 0, 0, 0, 0,
            Native.toolorch_event_speculation(ev), "");
      case BATCH_DONE:
        return terminal(type, Native.toolorch_event_status(ev), "");
      case TEXT_DELTA:
        return new Event(type, "", "", "", Text.str(Native.toolorch_event_text(ev)), CallState.PENDING, 0, 0, 0,
            0, 0, 0, 0);
      case USAGE:
        return new Event(type, "", "", "", "", CallState.PENDING, 0, 0, Native.toolorch_event_input_tokens(ev),
            Native.toolorch_event_output_tokens(ev), 0, 0, 0, "", Native.toolorch_event_cache_read_tokens(ev),
            Native.toolorch_event_cache_write_tokens(ev), 0, 0, 0, 0, 0, "");
      case ROUND_DONE:
        return new Event(type, "", "", "", "", CallState.PENDING, 0, Native.toolorch_event_round(ev), 0, 0, 0, 0,
            0);
      case JOB_DONE:
        return new Event(type, "", "", Text.str(Native.toolorch_event_json(ev)),
            Text.str(Native.toolorch_event_text(ev)), CallState.PENDING, Native.toolorch_event_status(ev), 0,
            Native.toolorch_event_input_tokens(ev), Native.toolorch_event_output_tokens(ev), 0, 0, 0, "",
            Native.toolorch_event_cache_read_tokens(ev), Native.toolorch_event_cache_write_tokens(ev), 0, 0, 0, 0,
            0, Text.str(Native.toolorch_event_speculation_json(ev)));
      case SPECULATION:
      case PROGRESS:
      case LLM_REQUEST:
      case LLM_RESPONSE:
      case LLM_RETRY:
      case RATE_LIMIT_WAIT:
        // Fields that do not apply read as empty or zero.
        return new Event(type, Text.str(Native.toolorch_event_call_id(ev)),
            Text.str(Native.toolorch_event_tool_name(ev)), Text.str(Native.toolorch_event_json(ev)),
            Text.str(Native.toolorch_event_text(ev)), CallState.PENDING, Native.toolorch_event_status(ev),
            Native.toolorch_event_round(ev), 0, 0, Native.toolorch_event_attempts(ev),
            Native.toolorch_event_run_us(ev), Native.toolorch_event_wait_us(ev),
            Text.str(Native.toolorch_event_parent_call_id(ev)), 0, 0, Native.toolorch_event_max_attempts(ev),
            Native.toolorch_event_http_status(ev), Native.toolorch_event_progress(ev),
            Native.toolorch_event_progress_total(ev), Native.toolorch_event_speculation(ev), "");
      default:
        return terminal(type, 0, "");
    }
  }

  static Event terminal(EventType type, int code, String text) {
    return new Event(type, "", "", "", text, CallState.PENDING, code, 0, 0, 0, 0, 0, 0);
  }
}

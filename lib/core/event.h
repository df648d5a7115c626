// What the core tells the caller, in one shape for both drive modes: the
// C API hands these out through its event callback or its thread-safe queue.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <toolorch/event.h>

#include "core/call.h"

namespace toolorch::core {

// What Event::source points to.
enum { kSourceNone = 0, kSourceBatch = 1, kSourceJob = 2 };

struct Event {
  int type = TOOLORCH_EVENT_NONE;
  void *userdata = nullptr;   // the batch's or job's
  void *source = nullptr;     // the toolorch_batch* / toolorch_job* handle (identity only)
  int source_kind = kSourceNone;
  CallRef call;               // TOOL_CALL: the call to run (handed to the caller)
  CallRef about;              // the call this event is about: id, tool name, args, result
  std::string call_id, tool_name, json, text;  // used when `about` does not supply them
  int call_state = 0, status = 0, attempts = 0, round = 0;
  int64_t run_us = 0, wait_us = 0;
  int64_t input_tokens = 0, output_tokens = 0;
  // CALL_RESULT: toolorch_speculation_kind; SPECULATION: toolorch_speculation_outcome.
  int speculation = 0;
  // The call's id as it was when the event was made: events about a guess
  // keep the guess's id even if a real call takes it over later.
  bool id_frozen = false;
  std::string spec_json;  // JOB_DONE: the speculation summary ("" if none)
};

// Accessors that read through `about` when the event refers to a call.
inline const std::string &event_call_id(const Event &e) {
  return e.about && !e.id_frozen ? e.about->id() : e.call_id;
}
inline const std::string &event_tool_name(const Event &e) { return e.about ? e.about->tool_name() : e.tool_name; }
// TOOL_CALL, CALL_STARTED: the arguments; otherwise the event's own json.
inline const std::string &event_json(const Event &e) {
  return e.about && e.type != TOOLORCH_EVENT_CALL_RESULT ? e.about->args() : e.json;
}
// CALL_RESULT: the call's result or error; otherwise the event's own text.
inline const std::string &event_text(const Event &e) {
  return e.about && e.type == TOOLORCH_EVENT_CALL_RESULT ? e.about->end_text : e.text;
}

using EventPtr = std::unique_ptr<Event>;

// Loop thread only.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void emit(EventPtr event) = 0;
};

}  // namespace toolorch::core

// What the core tells the caller, in one shape for both drive modes: the
// C API hands these out through its event callback or its thread-safe queue.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "core/codes.h"

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
  int max_attempts = 0, http_status = 0;  // LLM_RETRY; LLM_RESPONSE (http_status)
  int64_t run_us = 0, wait_us = 0;
  int64_t input_tokens = 0, output_tokens = 0;
  double progress = 0, progress_total = 0;  // PROGRESS (total 0 = unknown)
  int64_t cache_read_tokens = 0, cache_write_tokens = 0;  // parts of input_tokens
  // CALL_RESULT: toolorch_speculation_kind; SPECULATION: toolorch_speculation_outcome.
  int speculation = 0;
  // The call's id as it was when the event was made: events about a guess
  // keep the guess's id even if a real call takes it over later.
  bool id_frozen = false;
  std::string spec_json;  // JOB_DONE: the speculation summary ("" if none)
  std::string group;      // SCORE: the scored call's branch group
  // CALL_RESULT of a success: the result's bytes, read from the store the
  // first time the text is asked for (shared with the store while it holds
  // them raw; else this event's own copy, freed with it). A queued event
  // holds only its call, so results waiting for a slow consumer stay in
  // the store, under its budget.
  mutable std::once_flag text_once;
  mutable ResultBytes text_bytes;

  // Events are cells of an obs::CellPool (core/event.cc): two or three per
  // call, made on the loop thread and, in queue mode, freed on the host's
  // (a malloc in one arena, a free in another, per event).
  static void *operator new(size_t n);
  static void operator delete(void *p) noexcept;
};

// Accessors that read through `about` when the event refers to a call.
// call_id, when set, wins over the call's own id: a call taken over by a
// retried LLM request (core/call.h event_id()), or an event about a guess
// whose id is frozen as it was when the event was made (speculation).
inline const std::string &event_call_id(const Event &e) {
  return e.about && e.call_id.empty() && !e.id_frozen ? e.about->id() : e.call_id;
}
// The id of the call the event's call runs for (a chain's step: the
// chain's call), "" if none.
inline const std::string &event_parent_call_id(const Event &e) {
  static const std::string kNone;
  return e.about && e.about->parent() ? e.about->parent()->id() : kNone;
}
inline const std::string &event_tool_name(const Event &e) { return e.about ? e.about->tool_name() : e.tool_name; }
// TOOL_CALL, CALL_STARTED: the arguments; otherwise the event's own json.
inline const std::string &event_json(const Event &e) {
  return e.about && e.type != TOOLORCH_EVENT_CALL_RESULT ? e.about->args() : e.json;
}
// CALL_RESULT: the call's result or error; TOOL_CANCELLED: why it ended;
// otherwise the event's own text.
inline const std::string &event_text(const Event &e) {
  bool ended = e.type == TOOLORCH_EVENT_CALL_RESULT || e.type == TOOLORCH_EVENT_TOOL_CANCELLED;
  if (!e.about || !ended) return e.text;
  if (!e.about->result) return e.about->end_message();
  std::call_once(e.text_once, [&e] {
    std::string err;
    e.text_bytes = e.about->result->bytes(&err);
    if (!e.text_bytes)
      e.text_bytes = std::make_shared<const std::string>("[toolorch: the result could not be read back: " + err + "]");
  });
  return *e.text_bytes;
}

using EventPtr = std::unique_ptr<Event>;

// An event about a call, addressed like the call's others (its batch's or
// job's userdata and handle). TOOL_CALL and TOOL_CANCELLED also hand out
// the call itself (Event::call), and so do CHAIN_ARGS and SCORE (the request
// to answer). Loop thread.
inline EventPtr event_about(Call *call, int type) {
  auto ev = std::make_unique<Event>();
  ev->type = type;
  ev->userdata = call->event_userdata;
  ev->source = call->event_source;
  ev->source_kind = call->event_source_kind;
  ev->about = CallRef(call);  // id, tool name and arguments are read from the call
  if (!call->event_id().empty()) ev->call_id = call->event_id();  // a retried LLM request renamed the call
  ev->call_state = call->state();
  ev->status = call->ended() ? call->end_status : 0;
  ev->attempts = call->attempts;
  if (type == TOOLORCH_EVENT_TOOL_CALL || type == TOOLORCH_EVENT_TOOL_CANCELLED || type == TOOLORCH_EVENT_CHAIN_ARGS ||
      type == TOOLORCH_EVENT_SCORE)
    ev->call = CallRef(call);
  if (call->speculative) {
    // A guess may be taken over (and renamed) later: keep the id it has now.
    ev->call_id = call->id();
    ev->id_frozen = true;
  }
  return ev;
}

// Loop thread only.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void emit(EventPtr event) = 0;
};

}  // namespace toolorch::core

// What the core tells the caller, in one shape for both drive modes: the
// C API hands these out through its event callback or its thread-safe queue.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <toolorch/event.h>

#include "core/call.h"

namespace toolorch::core {

struct Event {
  int type = TOOLORCH_EVENT_NONE;
  void *userdata = nullptr;   // the batch's or job's
  void *source = nullptr;     // the toolorch_batch* / toolorch_job* handle (identity only)
  CallRef call;               // TOOL_CALL: the call to run
  std::string call_id, tool_name, json, text;
  int call_state = 0, status = 0, attempts = 0, round = 0;
  int64_t run_us = 0, wait_us = 0;
  int64_t input_tokens = 0, output_tokens = 0;
};

using EventPtr = std::unique_ptr<Event>;

// Loop thread only.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void emit(EventPtr event) = 0;
};

}  // namespace toolorch::core

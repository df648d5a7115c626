// The numbers core speaks in: statuses, call states, event types, tool and
// failure flags. Core does not include the C ABI (include/toolorch/): these
// are its own, spelled like the C names so that code and documentation read
// alike, and lib/capi/codes_check.cc static_asserts that each one equals its
// public twin (the C header stays the one source of truth that users and the
// SWIG bindings see). Flags are macros in C, so here they are k-names.
//
// Adding a status or an event: append it to the C header, here, and to the
// check in lib/capi/codes_check.cc (the build fails until all three agree).
#pragma once

namespace toolorch::core {
// Inline: core code says TOOLORCH_OK; a test of core may bring in just
// these names with `using namespace toolorch::core::codes`.
inline namespace codes {

// toolorch_status (include/toolorch/status.h)
enum : int {
  TOOLORCH_OK = 0,
  TOOLORCH_EINVAL = -1,
  TOOLORCH_ENOMEM = -2,
  TOOLORCH_EJSON = -3,
  TOOLORCH_ECONFIG = -4,
  TOOLORCH_EUNKNOWN_TOOL = -5,
  TOOLORCH_ESCHEMA = -6,
  TOOLORCH_EEXIST = -7,
  TOOLORCH_ETOOL = -8,
  TOOLORCH_ETIMEDOUT = -9,
  TOOLORCH_ECANCELLED = -10,
  TOOLORCH_EALREADY = -11,
  TOOLORCH_ELATE = -12,
  TOOLORCH_ESTATE = -13,
  TOOLORCH_EAGAIN = -14,
  TOOLORCH_ECLOSED = -15,
  TOOLORCH_ERATELIMITED = -16,
  TOOLORCH_EHTTP = -17,
  TOOLORCH_EPROVIDER = -18,
  TOOLORCH_EPROTOCOL = -19,
  TOOLORCH_EREDIS = -20,
  TOOLORCH_ETOOBIG = -21,
  TOOLORCH_EMODE = -22,
  TOOLORCH_EIO = -23,
  TOOLORCH_EINTERNAL = -24,
  TOOLORCH_EMAXROUNDS = -25,
  TOOLORCH_ESTREAM = -26,
};

// toolorch_call_state (include/toolorch/call.h)
enum : int {
  TOOLORCH_CALL_PENDING = 0,
  TOOLORCH_CALL_WAITING = 1,
  TOOLORCH_CALL_RUNNING = 2,
  TOOLORCH_CALL_SUCCEEDED = 3,
  TOOLORCH_CALL_FAILED = 4,
  TOOLORCH_CALL_CANCELLED = 5,
  TOOLORCH_CALL_TIMED_OUT = 6,
};

// toolorch_event_type (include/toolorch/event.h)
enum : int {
  TOOLORCH_EVENT_NONE = 0,
  TOOLORCH_EVENT_TOOL_CALL = 1,
  TOOLORCH_EVENT_CALL_STARTED = 2,
  TOOLORCH_EVENT_CALL_RESULT = 3,
  TOOLORCH_EVENT_BATCH_DONE = 4,
  TOOLORCH_EVENT_TEXT_DELTA = 5,
  TOOLORCH_EVENT_LLM_TOOL_CALL = 6,
  TOOLORCH_EVENT_USAGE = 7,
  TOOLORCH_EVENT_ROUND_DONE = 8,
  TOOLORCH_EVENT_JOB_DONE = 9,
  TOOLORCH_EVENT_TOOL_CANCELLED = 10,
  TOOLORCH_EVENT_SPECULATION = 11,
  TOOLORCH_EVENT_PROGRESS = 12,
  TOOLORCH_EVENT_LLM_REQUEST = 13,
  TOOLORCH_EVENT_LLM_RESPONSE = 14,
  TOOLORCH_EVENT_LLM_RETRY = 15,
  TOOLORCH_EVENT_RATE_LIMIT_WAIT = 16,
  TOOLORCH_EVENT_CHAIN_ARGS = 17,
  TOOLORCH_EVENT_SCORE = 18,
};

// toolorch_speculation_kind, toolorch_speculation_outcome (include/toolorch/speculation.h)
enum : int {
  TOOLORCH_SPECULATION_NONE = 0,
  TOOLORCH_SPECULATION_TAKEN_OVER_RUNNING = 1,
  TOOLORCH_SPECULATION_TAKEN_OVER_FINISHED = 2,
};
enum : int {
  TOOLORCH_SPECULATION_USED = 1,
  TOOLORCH_SPECULATION_CANCELLED = 2,
  TOOLORCH_SPECULATION_WASTED = 3,
  TOOLORCH_SPECULATION_DROPPED = 4,
};

// TOOLORCH_TOOL_* (include/toolorch/tool.h)
constexpr unsigned kToolSideEffectFree = 0x1u;
constexpr unsigned kToolBlocking = 0x2u;
constexpr unsigned kToolRetryable = 0x4u;

// TOOLORCH_FAIL_* (include/toolorch/call.h)
constexpr unsigned kFailRetryable = 0x1u;
constexpr unsigned kFailFatal = 0x2u;

}  // namespace codes
}  // namespace toolorch::core

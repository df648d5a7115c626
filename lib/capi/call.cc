// toolorch_call_*: what a tool does with the call it was handed.
#include <toolorch/call.h>

#include "capi/border.h"
#include "capi/handles.h"
#include "core/call.h"
#include "core/dispatcher.h"
#include "loop/event_loop.h"

using toolorch::capi::call_of;
using toolorch::capi::fail;
using toolorch::capi::guarded;
using toolorch::capi::invalid;

namespace {
// A call knows its dispatcher through its tool; the dispatcher is reached
// through this process-wide hook set by the engine that submitted it.
int finish(toolorch_call *call, bool ok, std::string text, unsigned flags = 0) {
  auto *c = call_of(call);
  if (!c->finisher) return fail(nullptr, TOOLORCH_ESTATE, "the call was never handed to a tool");
  // Read before finishing: finishing releases the tool's hold on the call,
  // which may be the last one when the call had ended (its job freed).
  int state = c->state();
  int rc = c->finisher->tool_finish(c, ok, std::move(text), flags);
  if (rc == TOOLORCH_EALREADY) return fail(nullptr, rc, "the call was completed or failed before");
  if (rc == TOOLORCH_ELATE)
    return fail(nullptr, rc, std::string("the call had ended (") + toolorch::core::state_name(state) +
                                 "): the result is dropped");
  return rc;
}
}  // namespace

extern "C" {

int toolorch_call_complete_len(toolorch_call *call, const char *result, size_t len) {
  if (!call || (!result && len)) return invalid(nullptr, "toolorch_call_complete_len", "call is NULL, or result is NULL with len > 0");
  return guarded(nullptr, [&]() -> int { return finish(call, true, std::string(result ? result : "", len)); });
}

int toolorch_call_complete(toolorch_call *call, const char *result) {
  if (!call) return invalid(nullptr, "toolorch_call_complete", "call is NULL");
  const char *r = result ? result : "";
  return guarded(nullptr, [&]() -> int { return finish(call, true, std::string(r)); });
}

int toolorch_call_fail(toolorch_call *call, const char *message) {
  if (!call) return invalid(nullptr, "toolorch_call_fail", "call is NULL");
  const char *m = message && *message ? message : "the tool failed";
  return guarded(nullptr, [&]() -> int { return finish(call, false, std::string(m)); });
}

int toolorch_call_fail_ex(toolorch_call *call, const char *message, unsigned flags) {
  if (!call || (flags & ~(TOOLORCH_FAIL_RETRYABLE | TOOLORCH_FAIL_FATAL)))
    return invalid(nullptr, "toolorch_call_fail_ex", "call is NULL or flags has unknown bits");
  const char *m = message && *message ? message : "the tool failed";
  return guarded(nullptr, [&]() -> int { return finish(call, false, std::string(m), flags); });
}

int toolorch_call_cancel(toolorch_call *call) {
  if (!call) return invalid(nullptr, "toolorch_call_cancel", "call is NULL");
  auto *c = call_of(call);
  toolorch::core::Dispatcher *d = c->finisher;
  return guarded(nullptr, [&]() -> int {
    if (!d || c->ended()) return fail(nullptr, TOOLORCH_ELATE, "the call has ended already");
    if (d->sched()->in_loop_thread())
      return d->cancel(c) ? TOOLORCH_OK : fail(nullptr, TOOLORCH_ELATE, "the call has ended already");
    toolorch::core::CallRef keep(c);
    // Every scheduler the C ABI makes is an EventLoop. Owned mode: wait for
    // the loop, so the call has ended when this returns (call.h).
    auto *loop = static_cast<toolorch::loop::EventLoop *>(d->sched());
    if (!loop->owned()) {
      loop->post([d, keep] { d->cancel(keep.get()); });
      return TOOLORCH_OK;
    }
    bool cancelled = false;
    if (loop->run_sync([&] { cancelled = d->cancel(keep.get()); }) && !cancelled)
      return fail(nullptr, TOOLORCH_ELATE, "the call has ended already");
    return TOOLORCH_OK;
  });
}

const char *toolorch_call_id(const toolorch_call *call) { return call ? call_of(call)->id().c_str() : ""; }
const char *toolorch_call_tool_name(const toolorch_call *call) {
  return call ? call_of(call)->tool_name().c_str() : "";
}
const char *toolorch_call_args(const toolorch_call *call) { return call ? call_of(call)->args().c_str() : ""; }
int toolorch_call_get_state(const toolorch_call *call) {
  return call ? call_of(call)->state() : TOOLORCH_EINVAL;
}
int toolorch_call_is_cancelled(const toolorch_call *call) {
  if (!call) return 0;
  int s = call_of(call)->state();
  return s == TOOLORCH_CALL_CANCELLED || s == TOOLORCH_CALL_TIMED_OUT;
}
const char *toolorch_call_state_name(int state) { return toolorch::core::state_name(state); }

}  // extern "C"

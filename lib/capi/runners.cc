#include "capi/runners.h"

#include "capi/border.h"
#include "capi/handles.h"

namespace toolorch::capi {

void CFunctionRunner::start(core::Call &call) {
  toolorch_tool_fn fn = fn_;
  void *ud = ud_;
  toolorch_call *handle = handle_of(&call);
  if (!pool_) {
    CallbackScope scope;
    fn(handle, call.args().c_str(), ud);
    return;
  }
  // The call stays valid until the tool completes it (the dispatcher holds
  // it for the runner), so the worker may use it without a reference.
  core::Call *c = &call;
  if (!pool_->submit([fn, ud, handle, c] {
        CallbackScope scope;
        fn(handle, c->args().c_str(), ud);
      }))
    core::fail_call(call, "the worker pool is not running");
}

void ExternalRunner::start(core::Call &call) { sink_->emit(core::event_about(&call, TOOLORCH_EVENT_TOOL_CALL)); }

void ExternalRunner::on_call_ended_without_result(core::Call &call, int) {
  // The call's state and end text say why (cancelled or timed out).
  sink_->emit(core::event_about(&call, TOOLORCH_EVENT_TOOL_CANCELLED));
}

}  // namespace toolorch::capi

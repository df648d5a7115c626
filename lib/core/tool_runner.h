// The seam through which core runs every tool: one interface, whatever the
// tool is. Core knows nothing of what is behind it; each source of tools is
// a runner:
//   lib/tools  HttpToolRunner (an HTTP endpoint), CommandToolRunner (a process)
//   lib/capi   CFunctionRunner (a host's toolorch_tool_fn), ExternalRunner
//              (a TOOL_CALL event the host or a binding answers)
//   tests      tests/support/test_tool_runner.h (a C++ function, fake clock)
// A new tool source (an MCP server, a chain of tools) is one more runner:
// set ToolSpec::runner and register the tool; nothing in core changes.
//
// The contract, all of it:
// - start(call) is called on the loop thread when the call has its slot and
//   permits (once per attempt: a retry calls it again with the same call).
//   The runner finishes the call exactly once with finish_call() /
//   fail_call() (core/tool_runner.h), now or later, from any thread; or, if
//   it was told the call ended, may drop it with abandon_call() instead.
//   The call stays valid until then (the dispatcher holds a reference for
//   the runner). A runner must not throw out of start(); if it does, the
//   call fails with the exception's message.
// - on_call_ended_without_result(call, reason) is called on the loop thread
//   when the call ends while the runner has it and before its result came:
//   cancelled (by the caller, its group, its job) or timed out. reason is
//   the end's status (TOOLORCH_ECANCELLED, TOOLORCH_ETIMEDOUT, ...). The
//   runner stops the work; whatever it still reports is dropped (a late
//   completion, counted) -- or it calls abandon_call() to let the call go
//   without counting. The call's state already says how it ended.
#pragma once

#include <string>

#include "core/call.h"

namespace toolorch::core {

class ToolRunner {
 public:
  virtual ~ToolRunner() = default;
  virtual void start(Call &call) = 0;
  virtual void on_call_ended_without_result(Call &call, int reason) {
    (void)call;
    (void)reason;
  }
};

// The runner's answer. [any thread] TOOLORCH_OK, TOOLORCH_EALREADY (the call
// was finished before), TOOLORCH_ELATE (it had ended: dropped and counted),
// TOOLORCH_ESTATE (never handed to a runner).
int finish_call(Call &call, std::string result);
// flags: kFailRetryable, kFailFatal (core/codes.h).
int fail_call(Call &call, std::string message, unsigned flags = 0);
// The runner lets go of a call that ended without its result. [any thread]
void abandon_call(Call &call);

}  // namespace toolorch::core

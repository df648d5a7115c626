// The two tool runners (core/tool_runner.h) that belong to the C ABI:
// - CFunctionRunner runs a host's toolorch_tool_fn, on the loop thread or,
//   for a tool flagged BLOCKING, on the context's worker pool;
// - ExternalRunner hands each call out as a TOOL_CALL event (the tool of a
//   host without callbacks, and of every Go, Java and Ruby tool), and emits
//   TOOL_CANCELLED when a call it handed out ends without its result, so the
//   receiver can interrupt the work.
#pragma once

#include <toolorch/tool.h>

#include "core/event.h"
#include "core/tool_runner.h"
#include "loop/worker_pool.h"

namespace toolorch::capi {

class CFunctionRunner final : public core::ToolRunner {
 public:
  // pool: where BLOCKING tools run (null: every tool runs on the loop thread).
  CFunctionRunner(toolorch_tool_fn fn, void *userdata, loop::WorkerPool *pool) : fn_(fn), ud_(userdata), pool_(pool) {}
  void start(core::Call &call) override;

 private:
  toolorch_tool_fn fn_;
  void *ud_;
  loop::WorkerPool *pool_;
};

class ExternalRunner final : public core::ToolRunner {
 public:
  // sink: the context (its event callback or queue); it outlives its tools.
  explicit ExternalRunner(core::EventSink *sink) : sink_(sink) {}
  void start(core::Call &call) override;
  void on_call_ended_without_result(core::Call &call, int reason) override;

 private:
  core::EventSink *sink_;
};

}  // namespace toolorch::capi

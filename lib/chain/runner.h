// A chain is a tool whose runner submits its steps back through the
// dispatcher as ordinary calls (core/tool_runner.h): each step waits for
// its slot and permits, has its deadline, retries and cap like any call of
// its tool, and appears as CALL_STARTED / CALL_RESULT with the chain's call
// as its parent (core::Call::parent). Loop thread only.
#pragma once

#include <memory>
#include <unordered_map>

#include "chain/definition.h"
#include "core/tool_registry.h"

namespace toolorch::chain {

class Run;

// Hands a step's computed-arguments request (Dispatcher::hand_out) to the
// host as a CHAIN_ARGS event, as ExternalRunner (capi/runners.h) hands out a
// tool's call: the host answers with the call API from any thread; when the
// request ends unanswered (the chain cancelled) it gets TOOL_CANCELLED.
class ArgsRequestRunner final : public core::ToolRunner {
 public:
  void start(core::Call &call) override;
  void on_call_ended_without_result(core::Call &call, int reason) override;
};

class ChainRunner final : public core::ToolRunner, public std::enable_shared_from_this<ChainRunner> {
 public:
  explicit ChainRunner(std::shared_ptr<const Definition> def);
  ~ChainRunner() override;
  void start(core::Call &call) override;
  void on_call_ended_without_result(core::Call &call, int reason) override;
  const Definition &definition() const { return *def_; }
  // Runs in progress (for tests).
  size_t running() const { return runs_.size(); }

 private:
  friend class Run;
  void run_done(core::Call *call);
  std::shared_ptr<const Definition> def_;
  std::shared_ptr<core::Tool> args_tool_;  // runs the host requests (ArgsRequestRunner)
  std::unordered_map<core::Call *, std::shared_ptr<Run>> runs_;
};

// The ToolSpec of a chain, ready for ToolRegistry::add: its runner, the
// composite flag, SIDE_EFFECT_FREE when the definition says so or (not
// said) when every step's tool is registered in `registry` and flagged.
// false + *err if the definition does not validate.
bool make_tool_spec(Definition def, const core::ToolRegistry &registry, core::ToolSpec *out, std::string *err);

}  // namespace toolorch::chain

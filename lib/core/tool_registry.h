// The tools a context knows: their definitions (name, description, schema,
// flags, service, caps, deadline, retry policy, and the runner that runs
// them: core/tool_runner.h) and the per-tool state the dispatcher keeps.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/codes.h"

#include "core/backoff.h"
#include "core/call.h"
#include "core/tool_runner.h"
#include "json/flat.h"
#include "json/json.h"

namespace toolorch::core {

// What a caller describes before registration (the toolorch_tool handle).
struct ToolSpec {
  std::string name;
  std::string description;
  std::string schema_json = "{\"type\":\"object\"}";
  unsigned flags = 0;
  std::string service;
  int max_parallel = 0;     // 0 = only the global cap
  int64_t timeout_ms = 0;   // 0 = the context default
  std::shared_ptr<ToolRunner> runner;  // runs its calls; required at registration
  int retry_attempts = 0;              // retries after the first attempt
  BackoffPolicy retry_backoff;
  // A composite tool (a chain: lib/chain) runs other calls through the
  // dispatcher: its own calls count against its max_parallel but hold no
  // slot of max_parallel_tools (its steps do), so a chain never waits for a
  // slot it holds itself.
  bool composite = false;
  // Who registered it, for messages: "" = the host; a tool source (an MCP
  // server) names itself, e.g. `MCP server "fs"`.
  std::string source;
};

class Tool {
 public:
  // Parses and checks the schema; nullptr with *err on a bad one.
  static std::shared_ptr<Tool> create(const ToolSpec &spec, std::string *err);

  const ToolSpec &spec() const { return spec_; }
  const std::string &name() const { return spec_.name; }
  const cJSON *schema() const { return schema_.get(); }
  // json::surely_valid of this schema, without walking it when any object
  // satisfies it (json::any_object_satisfies, worked out once).
  bool surely_valid(const json::FlatDoc &args) const;
  // Any JSON object satisfies its schema and nothing else does: checking
  // arguments needs their syntax and the type of their top value only
  // (json::FlatDoc::check, Dispatcher::validate_args).
  bool any_object() const { return any_object_; }
  bool side_effect_free() const { return spec_.flags & kToolSideEffectFree; }
  ToolRunner &runner() const { return *spec_.runner; }

  // Dispatcher state, loop thread only.
  int running = 0;
  std::deque<CallRef> waiting;  // FIFO of calls waiting for a slot (ended ones skipped lazily)
  bool in_ready_set = false;
  // The observer's metric series of this tool once a call of it reported:
  // handed to its next calls, which then skip the observer's lookup by name.
  obs::ToolSeries *obs_series = nullptr;

 private:
  explicit Tool(ToolSpec spec) : spec_(std::move(spec)) {}
  ToolSpec spec_;
  json::Ptr schema_;
  bool any_object_ = false;
};

// Thread-safe: tools may be registered from any thread while calls run.
class ToolRegistry {
 public:
  int add(std::shared_ptr<Tool> tool, std::string *err);  // OK or EEXIST
  // Make the tools of one source (spec().source, not "") exactly `tools`,
  // all or nothing: EEXIST naming both sources if a name is taken by
  // another source. Tools whose definition did not change are kept as they
  // are (their dispatcher state too); calls in flight keep the Tool they
  // started with.
  int sync_source(const std::string &source, std::vector<std::shared_ptr<Tool>> tools, std::string *err);
  std::shared_ptr<Tool> find(const std::string &name) const;
  std::vector<std::shared_ptr<Tool>> all() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Tool>> tools_;
};

}  // namespace toolorch::core

// The tools a context knows: their definitions (name, description, schema,
// flags, service, caps, deadline, function) and the per-tool running count
// the dispatcher keeps.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <toolorch/tool.h>

#include "core/call.h"
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
  toolorch_tool_fn fn = nullptr;
  void *userdata = nullptr;
};

class Tool {
 public:
  // Parses and checks the schema; nullptr with *err on a bad one.
  static std::shared_ptr<Tool> create(const ToolSpec &spec, std::string *err);

  const ToolSpec &spec() const { return spec_; }
  const std::string &name() const { return spec_.name; }
  const cJSON *schema() const { return schema_.get(); }
  bool side_effect_free() const { return spec_.flags & TOOLORCH_TOOL_SIDE_EFFECT_FREE; }
  bool blocking() const { return spec_.flags & TOOLORCH_TOOL_BLOCKING; }
  bool external() const { return spec_.fn == nullptr; }

  // Dispatcher state, loop thread only.
  int running = 0;
  std::deque<CallRef> waiting;  // FIFO of calls waiting for a slot (ended ones skipped lazily)
  bool in_ready_set = false;

 private:
  explicit Tool(ToolSpec spec) : spec_(std::move(spec)) {}
  ToolSpec spec_;
  json::Ptr schema_;
};

// Thread-safe: tools may be registered from any thread while calls run.
class ToolRegistry {
 public:
  int add(std::shared_ptr<Tool> tool, std::string *err);  // OK or EEXIST
  std::shared_ptr<Tool> find(const std::string &name) const;
  std::vector<std::shared_ptr<Tool>> all() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Tool>> tools_;
};

}  // namespace toolorch::core

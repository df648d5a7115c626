#include "core/tool_registry.h"

#include "core/codes.h"

#include "json/schema.h"

namespace toolorch::core {

std::shared_ptr<Tool> Tool::create(const ToolSpec &spec, std::string *err) {
  if (!spec.runner) {
    *err = "tool \"" + spec.name + "\" has no runner";
    return nullptr;
  }
  std::string perr;
  json::Ptr schema = json::parse(spec.schema_json, &perr);
  if (!schema) {
    *err = "schema of tool \"" + spec.name + "\" is not valid JSON: " + perr;
    return nullptr;
  }
  if (!json::check_tool_schema(schema.get(), &perr)) {
    *err = "schema of tool \"" + spec.name + "\": " + perr;
    return nullptr;
  }
  std::shared_ptr<Tool> tool(new Tool(spec));
  tool->schema_ = std::move(schema);
  return tool;
}

int ToolRegistry::add(std::shared_ptr<Tool> tool, std::string *err) {
  std::lock_guard<std::mutex> lk(mu_);
  auto [it, inserted] = tools_.emplace(tool->name(), tool);
  if (!inserted) {
    *err = "a tool named \"" + tool->name() + "\" is already registered";
    return TOOLORCH_EEXIST;
  }
  return TOOLORCH_OK;
}

std::shared_ptr<Tool> ToolRegistry::find(const std::string &name) const {
  std::lock_guard<std::mutex> lk(mu_);
  auto it = tools_.find(name);
  return it == tools_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<Tool>> ToolRegistry::all() const {
  std::lock_guard<std::mutex> lk(mu_);
  std::vector<std::shared_ptr<Tool>> out;
  out.reserve(tools_.size());
  for (auto &kv : tools_) out.push_back(kv.second);
  return out;
}

}  // namespace toolorch::core

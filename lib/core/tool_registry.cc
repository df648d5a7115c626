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
  tool->any_object_ = json::any_object_satisfies(tool->schema_.get());
  return tool;
}

bool Tool::surely_valid(const json::FlatDoc &args) const {
  if (any_object_) return args.is(args.root(), json::FlatDoc::Type::kObject);
  return json::surely_valid(schema_.get(), args);
}

int ToolRegistry::add(std::shared_ptr<Tool> tool, std::string *err) {
  std::lock_guard<std::mutex> lk(mu_);
  auto [it, inserted] = tools_.emplace(tool->name(), tool);
  if (!inserted) {
    *err = "a tool named \"" + tool->name() + "\" is already registered";
    if (!it->second->spec().source.empty()) *err += " by " + it->second->spec().source;
    return TOOLORCH_EEXIST;
  }
  return TOOLORCH_OK;
}

namespace {

bool same_definition(const ToolSpec &a, const ToolSpec &b) {
  return a.description == b.description && a.schema_json == b.schema_json && a.flags == b.flags &&
         a.service == b.service && a.max_parallel == b.max_parallel && a.timeout_ms == b.timeout_ms &&
         a.runner == b.runner;
}

}  // namespace

int ToolRegistry::sync_source(const std::string &source, std::vector<std::shared_ptr<Tool>> tools, std::string *err) {
  std::lock_guard<std::mutex> lk(mu_);
  for (const auto &t : tools) {
    auto it = tools_.find(t->name());
    if (it != tools_.end() && it->second->spec().source != source) {
      const std::string &other = it->second->spec().source;
      *err = "tool \"" + t->name() + "\" of " + source + " clashes with the tool of that name registered by " +
             (other.empty() ? std::string("the host") : other) + " (give the server a \"prefix\")";
      return TOOLORCH_EEXIST;
    }
  }
  std::unordered_map<std::string, std::shared_ptr<Tool>> fresh;
  for (auto &t : tools) fresh[t->name()] = std::move(t);
  for (auto it = tools_.begin(); it != tools_.end();) {
    if (it->second->spec().source == source && !fresh.count(it->first)) it = tools_.erase(it);
    else ++it;
  }
  for (auto &kv : fresh) {
    auto it = tools_.find(kv.first);
    if (it == tools_.end()) tools_.emplace(kv.first, std::move(kv.second));
    else if (!same_definition(it->second->spec(), kv.second->spec())) it->second = std::move(kv.second);
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

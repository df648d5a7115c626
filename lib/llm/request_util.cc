#include "llm/request_util.h"

#include <algorithm>

namespace toolorch::llm {

namespace {

std::string lower_name(std::string_view header) {
  std::string name(header.substr(0, header.find(':')));
  while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
  for (char &c : name)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return name;
}

}  // namespace

std::string endpoint_url(std::string_view base_url, std::string_view default_base, std::string_view path) {
  std::string url(base_url.empty() ? default_base : base_url);
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::string_view tail = url;
  if (!(tail.size() >= 3 && tail.substr(tail.size() - 3) == "/v1")) url += "/v1";
  url += path;
  return url;
}

std::vector<std::string> merge_headers(std::vector<std::string> defaults,
                                       const std::vector<std::string> &extras) {
  for (const auto &extra : extras) {
    std::string name = lower_name(extra);
    defaults.erase(std::remove_if(defaults.begin(), defaults.end(),
                                  [&](const std::string &d) { return lower_name(d) == name; }),
                   defaults.end());
  }
  defaults.insert(defaults.end(), extras.begin(), extras.end());
  return defaults;
}

json::Ptr schema_object(const ToolDef &tool, std::string *err) {
  if (tool.schema_json.empty()) {
    json::Ptr obj(cJSON_CreateObject());
    cJSON_AddStringToObject(obj.get(), "type", "object");
    return obj;
  }
  std::string why;
  json::Ptr doc = json::parse(tool.schema_json, &why);
  if (!doc || !cJSON_IsObject(doc.get())) {
    if (err) *err = "the schema of tool \"" + tool.name + "\" is not a JSON object" + (why.empty() ? "" : ": " + why);
    return nullptr;
  }
  return doc;
}

std::vector<const Message *> ordered_tool_results(const std::vector<Message> &msgs, size_t begin,
                                                  size_t end, const std::vector<ToolCall> *calls) {
  std::vector<const Message *> out;
  std::vector<bool> taken(end - begin, false);
  if (calls) {
    for (const ToolCall &call : *calls) {
      for (size_t i = begin; i < end; ++i) {
        if (!taken[i - begin] && msgs[i].tool_call_id == call.id) {
          taken[i - begin] = true;
          out.push_back(&msgs[i]);
          break;
        }
      }
    }
  }
  for (size_t i = begin; i < end; ++i)
    if (!taken[i - begin]) out.push_back(&msgs[i]);
  return out;
}

void add_string(cJSON *obj, const char *key, std::string_view s) {
  // cJSON wants a NUL-terminated string; text may hold anything.
  cJSON_AddItemToObject(obj, key, cJSON_CreateString(std::string(s).c_str()));
}

}  // namespace toolorch::llm

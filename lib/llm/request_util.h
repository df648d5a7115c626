// Pieces both adapters need to build a request: the endpoint URL, the header
// list, a tool's schema as a JSON object, and the tool results of one turn in
// the order of the calls they answer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "json/json.h"
#include "llm/provider.h"

namespace toolorch::llm {

// {base_url or default_base}/v1{path}, without doubling a "/v1" the base
// already ends in and without "//" from a trailing slash.
std::string endpoint_url(std::string_view base_url, std::string_view default_base, std::string_view path);

// defaults then extras ("Name: value"); an extra header replaces a default
// one of the same name (case-insensitive), so a config can override any.
std::vector<std::string> merge_headers(std::vector<std::string> defaults,
                                       const std::vector<std::string> &extras);

// The tool's JSON Schema as an object ({"type":"object"} when empty); null
// and *err set when schema_json is not a JSON object.
json::Ptr schema_object(const ToolDef &tool, std::string *err);

// The tool messages msgs[begin, end) ordered as the calls of the assistant
// turn before them (calls may be null); results for unknown ids keep their
// relative order after the known ones.
std::vector<const Message *> ordered_tool_results(const std::vector<Message> &msgs, size_t begin,
                                                  size_t end, const std::vector<ToolCall> *calls);

// Append s to arr as a JSON string / add it to obj under key.
void add_string(cJSON *obj, const char *key, std::string_view s);

}  // namespace toolorch::llm

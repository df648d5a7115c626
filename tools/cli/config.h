// The agent config file of `toolorch run` (format: README.md in this
// folder). Parsed whole, unknown keys rejected by name, before anything
// starts.
#pragma once

#include <cjson/cJSON.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace toolorch::cli {

struct JsonDeleter {
  void operator()(cJSON *p) const { cJSON_Delete(p); }
};
using JsonPtr = std::unique_ptr<cJSON, JsonDeleter>;

struct RetryConfig {
  int attempts = 0;
  int backoff = 0;  // toolorch_backoff
  int64_t base_ms = 100, max_ms = 10000;
};

struct ToolConfig {
  std::string name;
  std::string description;
  std::string parameters_json = "{\"type\":\"object\"}";
  bool side_effect_free = false;
  int max_parallel = 0;
  int64_t timeout_ms = 0;
  std::string service;
  // Exactly one of the two kinds.
  std::optional<std::string> http_url;  // may hold {mock}
  std::vector<std::string> http_headers;  // "Name: value"
  std::optional<std::string> command_json;  // ["prog", "arg", ...], compact
  std::optional<RetryConfig> retry;
};

struct AgentConfig {
  JsonPtr llm;      // object ("{}" when absent)
  JsonPtr options;  // object, without "llm"
  JsonPtr job;      // object: job request keys except "prompt"
  std::vector<ToolConfig> tools;
  std::optional<std::string> mock_script_json;
  JsonPtr mcp_servers;  // array of MCP server descriptions (null when absent)
  JsonPtr chains;       // array of chains, include/toolorch/chain.h (null when absent)
  JsonPtr observability;  // the "observability" object, or null
};

// False with every problem found (each naming the offending key by path,
// e.g. `tools[2].http: unknown key "uri" (did you mean "url"?)`) appended to
// *errors. A problem in one section does not hide those of the others.
bool parse_config(const std::string &text, AgentConfig *out, std::vector<std::string> *errors);
bool load_config(const std::string &path, AgentConfig *out, std::vector<std::string> *errors);

// " (did you mean \"K\"?)" for the known key nearest to key (edit distance,
// or key a prefix/suffix of it), or "" if none is near.
std::string did_you_mean(const std::string &key, const std::vector<std::string> &known);

}  // namespace toolorch::cli

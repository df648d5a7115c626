// The description of one MCP server, as the `mcp_servers` option, the CLI
// config and toolorch_add_mcp_server take it (JSON):
//
//   {"name": "fs", "command": ["npx", "-y", "server", "/srv"], "env": {"K": "v"},
//    "tools": ["read_file"], "side_effect_free": ["read_file"]}
//   {"name": "remote", "url": "http://127.0.0.1:3001/mcp", "headers": {"Authorization": "Bearer x"},
//    "max_parallel": 8, "service": "remote-mcp", "timeout_ms": 30000}
//
// Exactly one of `command` (stdio) and `url` (Streamable HTTP). Unknown keys
// are refused by name. Header values and env values are never put in a
// message.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "json/json.h"

namespace toolorch::mcp {

struct ServerConfig {
  std::string name;
  std::vector<std::string> command;                          // stdio
  std::vector<std::string> env;                              // "KEY=value", added to the environment
  std::string url;                                           // Streamable HTTP
  std::vector<std::string> headers;                          // "Name: value"
  bool all_tools = true;                                     // no `tools` list: register every tool
  std::vector<std::string> tools;                            // remote names to register
  std::vector<std::string> side_effect_free;                 // remote names flagged SIDE_EFFECT_FREE
  bool trust_annotations = false;                            // readOnlyHint => SIDE_EFFECT_FREE
  std::string prefix;                                        // local name = prefix + remote name
  int max_parallel = 0;                                      // per tool (0 = only the global cap)
  std::string service;                                       // rate-limit service of its tools
  int64_t timeout_ms = 0;                                    // per call (0 = the context default)
  std::string protocol = "auto";                             // "auto", "2025-11-25", "2026-07-28"
  int64_t start_timeout_ms = 30000;                          // spawn/connect + handshake + listing
  int64_t restart_backoff_ms = 200;                          // after a crash, doubled each time...
  int64_t restart_backoff_max_ms = 10000;                    // ...up to this

  bool stdio() const { return !command.empty(); }
  bool wants(const std::string &remote) const;               // in `tools` (or all)
  bool marked_side_effect_free(const std::string &remote) const;
};

// Parse and check one description; false with *err naming the key.
bool parse_server_config(const cJSON *obj, ServerConfig *out, std::string *err);
// The same from text.
bool parse_server_config(const std::string &text, ServerConfig *out, std::string *err);

}  // namespace toolorch::mcp

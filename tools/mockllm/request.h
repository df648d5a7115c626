// What the server needs from an incoming Chat Completions or Messages
// request: which round to play (the number of assistant turns already in the
// conversation, so the server keeps no per-conversation state) and the tool
// results of the last turn (to check their ids and echo their contents).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace toolorch::mockllm {

enum class Protocol { kOpenAI, kAnthropic };
const char *protocol_name(Protocol p);  // "openai" / "anthropic"

struct ToolResult {
  std::string call_id;  // tool_call_id (OpenAI) / tool_use_id (Anthropic)
  std::string content;  // its text parts joined
  bool is_error = false;  // Anthropic is_error
};

struct ParsedRequest {
  Protocol protocol = Protocol::kOpenAI;
  std::string model;
  bool stream = false;
  bool include_usage = false;  // OpenAI stream_options.include_usage
  int assistant_turns = 0;
  std::vector<std::string> last_call_ids;  // tool calls of the last assistant turn
  std::vector<ToolResult> results;         // tool results after the last assistant turn
  size_t body_bytes = 0;
};

// False with *err when the body is not JSON or lacks a "messages" array.
bool parse_request(Protocol protocol, std::string_view body, ParsedRequest *out, std::string *err);

}  // namespace toolorch::mockllm

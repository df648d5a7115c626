// What the server needs from an incoming Chat Completions or Messages
// request: which round to play (the number of assistant turns already in the
// conversation, so the server keeps no per-conversation state) and the tool
// results of the last turn (to check their ids and echo their contents).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace toolorch::mockllm {

enum class Protocol { kOpenAI, kAnthropic, kOpenAIResponses, kGemini };
const char *protocol_name(Protocol p);  // "openai" / "anthropic" / "openai_responses" / "gemini"

struct ToolResult {
  std::string call_id;  // tool_call_id (OpenAI) / tool_use_id (Anthropic) / call_id (Responses) / functionResponse.id (Gemini)
  std::string content;  // its text parts joined
  bool is_error = false;  // Anthropic is_error, Gemini response.error
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
  // Gemini: the thoughtSignature on each functionCall part of the last model
  // turn, by call id ("" when the part had none).
  std::vector<std::pair<std::string, std::string>> last_call_signatures;
};

// Where the request came in: Gemini names the model and the streaming in
// the path (/v1beta/models/{model}:streamGenerateContent), not the body.
struct RequestTarget {
  std::string model;
  bool stream = false;
};

// False with *err when the body is not JSON or lacks its conversation
// ("messages"; Responses "input"; Gemini "contents").
bool parse_request(Protocol protocol, std::string_view body, ParsedRequest *out, std::string *err,
                   const RequestTarget &target = RequestTarget());

// The round a Responses id was answered in (ids carry it: "resp_..._r<N>"), or -1.
int responses_round_of(std::string_view response_id);

}  // namespace toolorch::mockllm

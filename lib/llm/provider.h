// The LLM as the core sees it: a provider takes a request in a neutral form
// and reports one normalized event stream, whatever the protocol. Adapters:
// OpenAI Chat Completions, Anthropic Messages (both over lib/http).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace toolorch::llm {

enum class Protocol { kOpenAI, kAnthropic };

struct ToolDef {
  std::string name;
  std::string description;
  std::string schema_json;  // JSON Schema of the arguments
};

struct ToolCall {
  std::string id;
  std::string name;
  std::string args_json;  // as the model sent it (may be invalid JSON)
};

// One message of the transcript, protocol-neutral.
struct Message {
  enum class Role { kSystem, kUser, kAssistant, kTool } role = Role::kUser;
  std::string text;                  // system/user/assistant text; tool: the result
  std::vector<ToolCall> tool_calls;  // assistant only
  std::string tool_call_id;          // tool only: which call this answers
  std::string tool_name;             // tool only
  bool is_error = false;             // tool only: the call failed
};

struct Request {
  std::string model;
  std::vector<Message> messages;  // tool results follow the assistant turn, in call order
  std::vector<ToolDef> tools;
  bool stream = true;
  int max_tokens = 4096;
  bool parallel_tool_calls = true;
  std::string tool_choice;  // "" (provider default), "auto", "none", "required"
};

struct Usage {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
};

struct Error {
  int status = 0;         // toolorch_status: EPROVIDER, EHTTP, EPROTOCOL, ETIMEDOUT, ERATELIMITED
  long http_status = 0;   // 0 when there was no HTTP answer
  bool retryable = false; // 429, 5xx, a connect failure, a dropped stream
  int64_t retry_after_ms = -1;  // from Retry-After, if given
  std::string message;    // never contains a key
};

struct Response {
  std::string text;
  std::vector<ToolCall> tool_calls;  // in index order
  std::string stop_reason;           // "tool_use"/"tool_calls", "end_turn"/"stop", ...
  Usage usage;
};

// Events of one request, on the loop thread. After on_finished or on_error
// nothing more is reported; exactly one of the two ends every request that
// was not cancelled.
class Listener {
 public:
  virtual ~Listener() = default;
  virtual void on_text(std::string_view delta) = 0;
  virtual void on_tool_call_started(int index, const std::string &id, const std::string &name) = 0;
  // The call's arguments are complete: the next call began, its block
  // stopped, or the response ended. The moment a call can be dispatched.
  virtual void on_tool_call_ready(int index, const ToolCall &call) = 0;
  virtual void on_usage(const Usage &usage) = 0;
  virtual void on_finished(Response &&response) = 0;
  virtual void on_error(Error &&error) = 0;
  // Rate-limit headers of the response (for adaptive limits); optional.
  virtual void on_rate_headers(long /*http_status*/, int64_t /*remaining_requests*/,
                               int64_t /*remaining_tokens*/) {}
};

class PendingRequest {
 public:
  virtual ~PendingRequest() = default;  // destroying it cancels it
  virtual void cancel() = 0;            // no event after this
};

class Provider {
 public:
  virtual ~Provider() = default;
  virtual Protocol protocol() const = 0;
  virtual std::unique_ptr<PendingRequest> send(const Request &request, Listener *listener) = 0;
};

}  // namespace toolorch::llm

// The LLM as the core sees it: a provider takes a request in a neutral form
// and reports one normalized event stream, whatever the protocol. Adapters:
// OpenAI Chat Completions, OpenAI Responses, Anthropic Messages, Google
// Gemini (all over lib/http, one provider class driven by a per-protocol
// description: protocol_spec.h); make one with make_provider()
// (provider_config.h).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace toolorch::llm {

// The default cap on one response (llm.max_response_bytes): a non-streamed
// body, a streamed response's text, each of its calls' arguments.
constexpr size_t kDefaultMaxResponseBytes = size_t(32) << 20;

enum class Protocol { kOpenAI, kAnthropic, kOpenAIResponses, kGemini };

struct ToolDef {
  std::string name;
  std::string description;
  std::string schema_json;  // JSON Schema of the arguments
};

struct ToolCall {
  std::string id;
  std::string name;
  std::string args_json;  // as the model sent it (may be invalid JSON)
  // Opaque text the protocol needs sent back with this call, exactly as it
  // came (Gemini: the part's thoughtSignature). Empty for most.
  std::string signature = {};  // (an initializer: aggregate inits may leave it out)
};

// One message of the transcript, protocol-neutral.
struct Message {
  enum class Role { kSystem, kUser, kAssistant, kTool } role = Role::kUser;
  std::string text;                  // system/user/assistant text; tool: the result
  std::vector<ToolCall> tool_calls;  // assistant only
  std::string tool_call_id;          // tool only: which call this answers
  std::string tool_name;             // tool only
  bool is_error = false;             // tool only: the call failed
  // assistant only: what the protocol that produced this turn needs to see
  // again next round, as that adapter's own JSON (Responses: the response id
  // and its output items, reasoning included; Gemini: the model's parts with
  // their thought signatures). Empty for turns given by the user; adapters
  // then build the turn from text and tool_calls.
  std::string provider_state = {};
};

// The messages of a conversation as an adapter encoded them for its last
// request, kept by the caller across the requests of that conversation:
// every round sends the whole conversation again, and an adapter that
// finds its own encoding here encodes only the messages that are new.
// Whoever sets Request::encoded promises that the messages the last request
// had are still the first ones of this one, unchanged (a conversation only
// grows); a trailing run of tool messages may grow, and is encoded again
// then. Adapters that do not use it leave it alone.
struct EncodedMessages {
  Protocol protocol = Protocol::kOpenAI;
  bool valid = false;
  size_t count = 0;          // messages [0, count) are encoded in text
  std::string text;          // the adapter's own text of them, left open
  std::string system;        // Anthropic: the system text they gave
  size_t last_assistant = static_cast<size_t>(-1);  // the last assistant message of them
  bool open = false;         // Anthropic: text ends inside a message whose role is last_role
  Message::Role last_role = Message::Role::kUser;
  // The same at the start of the trailing run of tool messages (run_start
  // == count when there is none): where a grown run is encoded again from.
  size_t run_start = 0, run_text = 0, run_system = 0;
  size_t run_last_assistant = static_cast<size_t>(-1);
  bool run_open = false;
  Message::Role run_last_role = Message::Role::kUser;
  // The first message an adapter may read again, next being the first
  // message after the encoded ones (null: none): the caller may leave the
  // ones before it empty (their encoding is here). A new assistant turn
  // needs nothing before it; tool results may need their assistant turn,
  // and a run of them that grew is encoded again.
  size_t reads_from(const Message *next) const {
    if (!valid) return 0;
    if (!next || next->role == Message::Role::kAssistant) return count;
    size_t from = run_start;
    for (size_t a : {last_assistant, run_last_assistant})
      if (a < from) from = a;
    return from;
  }
};

struct Request {
  std::string model;
  std::vector<Message> messages;  // tool results follow the assistant turn, in call order
  std::vector<ToolDef> tools;
  bool stream = true;
  int max_tokens = 4096;
  bool parallel_tool_calls = true;
  // "" (provider default), "auto", "none", "required", or the name of the
  // one tool the model must call.
  std::string tool_choice;
  // A W3C traceparent sent as a header ("": none).
  std::string traceparent;
  // The conversation's messages as encoded for its last request (see
  // EncodedMessages; null: every message is encoded).
  EncodedMessages *encoded = nullptr;
  // Messages read after `messages`, borrowed instead of copied (a long
  // conversation): lent_count of them at lent, the caller's, unchanged
  // until send() returns. Adapters read both as one list (RequestMessages).
  const Message *lent = nullptr;
  size_t lent_count = 0;
  // The texts of some lent tool messages, held elsewhere (the core's stored
  // results), by index in lent, ascending (null: none): read instead of
  // the message's own (RequestMessages::text).
  const std::vector<std::pair<size_t, std::string_view>> *lent_texts = nullptr;
};

// The same request holding every message it borrows (their texts held
// apart filled in): for whoever keeps a request after send() returns.
Request held_request(const Request &r);

// A request's messages as adapters read them: its own, then those it
// borrows.
class RequestMessages {
 public:
  explicit RequestMessages(const Request &r)
      : own_(r.messages.data()),
        own_count_(r.messages.size()),
        lent_(r.lent),
        lent_count_(r.lent_count),
        lent_texts_(r.lent_texts) {}
  size_t size() const { return own_count_ + lent_count_; }
  const Message &operator[](size_t i) const { return i < own_count_ ? own_[i] : lent_[i - own_count_]; }
  // A tool message's text (m one of this list's): its own, or the one the
  // request holds for it elsewhere (Request::lent_texts).
  std::string_view text(const Message &m) const {
    if (!lent_texts_ || lent_texts_->empty() || &m < lent_ || &m >= lent_ + lent_count_) return m.text;
    const size_t i = static_cast<size_t>(&m - lent_);
    auto it = std::lower_bound(lent_texts_->begin(), lent_texts_->end(), i,
                               [](const std::pair<size_t, std::string_view> &t, size_t k) { return t.first < k; });
    return it != lent_texts_->end() && it->first == i ? it->second : std::string_view(m.text);
  }
  class iterator {
   public:
    iterator(const RequestMessages *list, size_t i) : list_(list), i_(i) {}
    const Message &operator*() const { return (*list_)[i_]; }
    iterator &operator++() {
      ++i_;
      return *this;
    }
    bool operator!=(const iterator &o) const { return i_ != o.i_; }

   private:
    const RequestMessages *list_;
    size_t i_;
  };
  iterator begin() const { return iterator(this, 0); }
  iterator end() const { return iterator(this, size()); }

 private:
  const Message *own_;
  size_t own_count_;
  const Message *lent_;
  size_t lent_count_;
  const std::vector<std::pair<size_t, std::string_view>> *lent_texts_;
};

struct Usage {
  // Every input token the request was billed for, cached ones included
  // (Anthropic reports those apart: input + cache read + cache write).
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t cache_read_tokens = 0;   // of input_tokens, read from the prompt cache
  int64_t cache_write_tokens = 0;  // of input_tokens, written to the prompt cache
};

struct Error {
  // toolorch_status: EPROVIDER, EHTTP, EPROTOCOL, ETIMEDOUT, ERATELIMITED;
  // EJSON when the request itself cannot be encoded (a tool schema that is
  // not a JSON object), reported before send() returns.
  int status = 0;
  long http_status = 0;   // 0 when there was no HTTP answer
  bool retryable = false; // 429, 5xx, a connect failure, a dropped stream
  int64_t retry_after_ms = -1;  // from Retry-After / retry-after-ms / Gemini RetryInfo
  std::string message;    // never contains a key
};

struct Response {
  std::string text;
  std::vector<ToolCall> tool_calls;  // in index order
  std::string stop_reason;           // "tool_use"/"tool_calls", "end_turn"/"stop", ...
  Usage usage;
  std::string provider_state = {};   // goes into the assistant Message (see there)
};

// Events of one request, on the loop thread. After on_finished or on_error
// nothing more is reported; exactly one of the two ends every request that
// was not cancelled. Any callback may cancel or destroy the PendingRequest.
// A non-streamed answer reports the same events a stream would (its whole
// text in one on_text, then each call started and ready) before on_finished.
class Listener {
 public:
  virtual ~Listener() = default;
  virtual void on_text(std::string_view delta) = 0;
  // index: the call's position among this response's tool calls (0, 1, ...),
  // which is its place in Response::tool_calls.
  virtual void on_tool_call_started(int index, const std::string &id, const std::string &name) = 0;
  // The call's arguments are complete: the next call began, its block
  // stopped, or the response ended. The moment a call can be dispatched.
  // args_json is the text the model sent, not checked: it may be invalid
  // JSON (the request goes on; the core answers the model with an error).
  // Arguments the model left empty are "{}".
  virtual void on_tool_call_ready(int index, const ToolCall &call) = 0;
  // The request's token counts: once, just before on_finished, when the
  // answer carried them (not at all otherwise).
  virtual void on_usage(const Usage &usage) = 0;
  virtual void on_finished(Response &&response) = 0;
  virtual void on_error(Error &&error) = 0;
  // Rate-limit headers of the response (for adaptive limits); optional.
  // Reported when the answer carries at least one; -1 for a missing one.
  virtual void on_rate_headers(long /*http_status*/, int64_t /*remaining_requests*/,
                               int64_t /*remaining_tokens*/) {}
  // When an exhausted budget refills, in ms from now, from the provider's
  // reset headers (OpenAI x-ratelimit-reset-* durations, Anthropic
  // anthropic-ratelimit-*-reset RFC 3339 times): reported with the rate
  // headers when a remaining count is 0; optional.
  virtual void on_rate_reset(long /*http_status*/, int64_t /*reset_ms*/) {}
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
  // The listener must stay valid until the request ends or is cancelled;
  // the http::Client the provider was made with must outlive the request.
  // Events come later from the loop, except a request that cannot be
  // encoded (or a transfer the client fails at once): its on_error may come
  // before send() returns.
  virtual std::unique_ptr<PendingRequest> send(const Request &request, Listener *listener) = 0;
};

}  // namespace toolorch::llm

// The protocol adapters, in parts that unit tests can reach one by one: the
// request encoders (Request -> JSON body) and the response decoders. Each
// protocol's ProtocolSpec (protocol_spec.h) ties its pair together.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "json/flat.h"
#include "json/json.h"
#include "llm/emitter.h"
#include "llm/provider_config.h"

namespace toolorch::llm {

// --- OpenAI Chat Completions -------------------------------------------------

// The JSON body of POST /v1/chat/completions; false and *err if a tool's
// schema is not a JSON object.
bool encode_openai_request(const Request &request, const std::string &max_tokens_field,
                           std::string *body, std::string *err);

// Tool calls arrive as deltas keyed by "index"; a call is ready when a later
// call begins, when finish_reason arrives, or at [DONE].
class OpenAIDecoder final : public Decoder {
 public:
  using Decoder::Decoder;
  void on_event(const SseEvent &event) override;
  bool complete() const override { return done_; }
  void on_body(std::string_view body) override;

 private:
  struct Slot {
    ToolCall call;
    bool started = false;
    bool ready = false;
  };
  Response take_response() override;
  void on_tool_call_delta(const cJSON *delta, int position);
  void apply_tool_call_delta(int index, std::string_view id, std::string_view name, std::string_view args);
  bool fast_event(std::string_view data);
  bool add_text(std::string_view text);
  void start_slot(size_t pos);
  void ready_slot(size_t pos);
  void ready_all();
  size_t ready_upto_ = 0;  // calls_[0, ready_upto_) were made ready

  std::vector<Slot> calls_;
  std::map<int, size_t> slot_of_index_;  // the delta's "index" -> calls_ position
  Response response_;
  bool done_ = false;
  bool have_usage_ = false;
  // fast_event's reader and the tool call pieces of one chunk (kept, so a
  // chunk allocates nothing once they have grown).
  struct Delta {
    int index = 0;
    std::string_view id, name, args;  // "" when absent
  };
  json::FlatDoc flat_;
  std::vector<Delta> deltas_;
};

// --- Anthropic Messages ------------------------------------------------------

bool encode_anthropic_request(const Request &request, std::string *body, std::string *err);

// A tool_use block's arguments are complete at its content_block_stop.
class AnthropicDecoder final : public Decoder {
 public:
  using Decoder::Decoder;
  void on_event(const SseEvent &event) override;
  bool complete() const override { return done_; }
  void on_body(std::string_view body) override;

 private:
  struct Block {
    bool tool = false;
    size_t call = 0;           // calls_ position, for a tool_use block
    std::string initial_input; // a non-empty "input" given at the block's start
    bool stopped = false;
  };
  struct Slot {
    ToolCall call;
    bool ready = false;
  };
  Response take_response() override;
  void ready_call(Block &block);
  void read_usage(const cJSON *usage);
  // What an event does, whichever reader read it (fast_event or cJSON).
  bool fast_event(const SseEvent &event);
  void add_text(std::string_view text);
  void on_delta(int index, std::string_view dtype, std::string_view text, const char *partial_json);
  void on_block_start(int index, std::string_view btype, std::string_view id, std::string_view name,
                      std::string initial_input, std::string_view text);
  void on_block_stop(int index);
  json::FlatDoc flat_;
  std::string partial_;  // fast_event's partial_json, kept to be reused

  std::map<int, Block> blocks_;  // content block index -> block
  std::vector<Slot> calls_;
  Response response_;
  int64_t uncached_input_ = 0;  // "input_tokens": the input outside the cache
  bool done_ = false;
  bool have_usage_ = false;
};

// --- OpenAI Responses ---------------------------------------------------------

bool encode_responses_request(const ProviderConfig &config, const Request &request, std::string *body,
                              std::string *err);

// Semantic events: a function_call output item is announced by
// response.output_item.added and its arguments are sealed by
// response.function_call_arguments.done (keyed by item_id): the call is
// ready then. The end is response.completed / .incomplete / .failed.
class ResponsesDecoder final : public Decoder {
 public:
  using Decoder::Decoder;
  void on_event(const SseEvent &event) override;
  bool complete() const override { return done_; }
  void on_body(std::string_view body) override;

 private:
  struct Slot {
    ToolCall call;
    std::string item_id;
    bool ready = false;
  };
  Response take_response() override;
  void add_call(const cJSON *item);
  void ready_slot(size_t pos, const char *arguments);
  void ready_all();
  bool end_response(const cJSON *response, bool incomplete);
  void keep_item(const cJSON *item);

  std::vector<Slot> calls_;
  std::map<std::string, size_t> slot_of_item_;
  std::string response_id_;
  json::Ptr items_;  // the output items seen so far (a JSON array), to send back
  Response response_;
  bool done_ = false;
  bool have_usage_ = false;
};

// --- Google Gemini -------------------------------------------------------------

bool encode_gemini_request(const Request &request, std::string *body, std::string *err);

// A tool's JSON Schema as the OpenAPI subset Gemini's functionDeclarations
// accept (gemini_schema.cc says what is kept and what is dropped).
json::Ptr gemini_schema(const cJSON *json_schema);

// Every event is a whole GenerateContentResponse; a functionCall part
// arrives whole, so each call is ready the moment its part arrives. The last
// chunk carries finishReason (there is no other end marker).
class GeminiDecoder final : public Decoder {
 public:
  using Decoder::Decoder;
  void on_event(const SseEvent &event) override;
  bool complete() const override { return done_; }
  void on_body(std::string_view body) override;

 private:
  Response take_response() override;
  void before_finish() override;
  // One GenerateContentResponse; false when it ended the request.
  bool on_chunk(const cJSON *chunk, std::string_view text);
  void keep_part(const cJSON *part);

  std::vector<ToolCall> calls_;
  json::Ptr parts_;  // the model's parts so far, to send back (signatures kept)
  Response response_;
  bool done_ = false;
  bool have_usage_ = false;
};

}  // namespace toolorch::llm

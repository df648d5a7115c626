// The two protocol adapters, in parts that unit tests can reach one by one:
// the request encoders (Request -> JSON body) and the response decoders.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

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
  void start_slot(size_t pos);
  void ready_slot(size_t pos);
  void ready_all();
  size_t ready_upto_ = 0;  // calls_[0, ready_upto_) were made ready

  std::vector<Slot> calls_;
  std::map<int, size_t> slot_of_index_;  // the delta's "index" -> calls_ position
  Response response_;
  bool done_ = false;
  bool have_usage_ = false;
};

std::unique_ptr<Provider> make_openai_provider(const ProviderConfig &config, http::Client *client);

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

  std::map<int, Block> blocks_;  // content block index -> block
  std::vector<Slot> calls_;
  Response response_;
  int64_t uncached_input_ = 0;  // "input_tokens": the input outside the cache
  bool done_ = false;
  bool have_usage_ = false;
};

std::unique_ptr<Provider> make_anthropic_provider(const ProviderConfig &config, http::Client *client);

}  // namespace toolorch::llm

// OpenAI Chat Completions as data: POST {base}/v1/chat/completions with
// "Authorization: Bearer <key>" (none when the key is empty, for local
// OpenAI-compatible servers); x-ratelimit-* headers.
#include "llm/adapters.h"
#include "llm/protocol_spec.h"
#include "llm/request_util.h"

namespace toolorch::llm {

std::vector<std::string> bearer_json_headers(const ProviderConfig &config, const Request &request) {
  std::vector<std::string> h = {"Content-Type: application/json",
                                request.stream ? "Accept: text/event-stream" : "Accept: application/json"};
  if (!config.api_key.empty()) h.push_back("Authorization: Bearer " + config.api_key);
  return h;
}

const ProtocolSpec &openai_chat_spec() {
  static const ProtocolSpec spec = {
      Protocol::kOpenAI,
      "openai",
      "OpenAI",
      [](const ProviderConfig &c, const Request &) {
        return endpoint_url(c.base_url, "https://api.openai.com", "/v1", "/chat/completions");
      },
      bearer_json_headers,
      [](const ProviderConfig &c, const Request &r, std::string *body, std::string *err) {
        return encode_openai_request(r, c.max_tokens_field, body, err);
      },
      [](Emitter *out) -> std::unique_ptr<Decoder> { return std::make_unique<OpenAIDecoder>(out); },
      "x-ratelimit-remaining-requests",
      "x-ratelimit-remaining-tokens",
      "x-ratelimit-reset-requests",
      "x-ratelimit-reset-tokens",
  };
  return spec;
}

const ProtocolSpec &openai_responses_spec() {
  static const ProtocolSpec spec = {
      Protocol::kOpenAIResponses,
      "openai-responses",
      "OpenAI",
      [](const ProviderConfig &c, const Request &) {
        return endpoint_url(c.base_url, "https://api.openai.com", "/v1", "/responses");
      },
      bearer_json_headers,
      encode_responses_request,
      [](Emitter *out) -> std::unique_ptr<Decoder> { return std::make_unique<ResponsesDecoder>(out); },
      "x-ratelimit-remaining-requests",
      "x-ratelimit-remaining-tokens",
      "x-ratelimit-reset-requests",
      "x-ratelimit-reset-tokens",
  };
  return spec;
}

}  // namespace toolorch::llm

// Anthropic Messages as data: POST {base}/v1/messages with x-api-key
// (omitted when the key is empty), anthropic-version; anthropic-ratelimit-*
// headers (resets are RFC 3339 times).
#include "llm/adapters.h"
#include "llm/protocol_spec.h"
#include "llm/request_util.h"

namespace toolorch::llm {

const ProtocolSpec &anthropic_spec() {
  static const ProtocolSpec spec = {
      Protocol::kAnthropic,
      "anthropic",
      "Anthropic",
      [](const ProviderConfig &c, const Request &) {
        return endpoint_url(c.base_url, "https://api.anthropic.com", "/v1", "/messages");
      },
      [](const ProviderConfig &c, const Request &r) {
        std::vector<std::string> h = {"content-type: application/json",
                                      "anthropic-version: " + c.anthropic_version,
                                      r.stream ? "accept: text/event-stream" : "accept: application/json"};
        if (!c.api_key.empty()) h.push_back("x-api-key: " + c.api_key);
        return h;
      },
      [](const ProviderConfig &, const Request &r, std::string *body, std::string *err) {
        return encode_anthropic_request(r, body, err);
      },
      [](Emitter *out) -> std::unique_ptr<Decoder> { return std::make_unique<AnthropicDecoder>(out); },
      "anthropic-ratelimit-requests-remaining",
      "anthropic-ratelimit-tokens-remaining",
      "anthropic-ratelimit-requests-reset",
      "anthropic-ratelimit-tokens-reset",
  };
  return spec;
}

}  // namespace toolorch::llm

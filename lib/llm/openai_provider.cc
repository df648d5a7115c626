// The OpenAI Chat Completions adapter: POST {base_url}/v1/chat/completions
// with "Authorization: Bearer <key>" (no auth header when the key is empty,
// for local OpenAI-compatible servers).
#include "llm/adapters.h"
#include "llm/exchange.h"
#include "llm/request_util.h"
#include "toolorch/status.h"

namespace toolorch::llm {

namespace {

class OpenAIProvider final : public Provider {
 public:
  OpenAIProvider(const ProviderConfig &config, http::Client *client) : config_(config), client_(client) {
    url_ = endpoint_url(config_.base_url, "https://api.openai.com", "/chat/completions");
  }

  Protocol protocol() const override { return Protocol::kOpenAI; }

  std::unique_ptr<PendingRequest> send(const Request &request, Listener *listener) override {
    ExchangeSpec spec;
    std::string err;
    if (!encode_openai_request(request, config_.max_tokens_field, &spec.http.body, &err)) {
      Error e;
      e.status = TOOLORCH_EJSON;
      e.message = "OpenAI request: " + err;
      return failed_request(listener, std::move(e));
    }
    spec.http.method = "POST";
    spec.http.url = url_;
    std::vector<std::string> headers = {
        "Content-Type: application/json",
        request.stream ? "Accept: text/event-stream" : "Accept: application/json"};
    if (!config_.api_key.empty()) headers.push_back("Authorization: Bearer " + config_.api_key);
    // W3C trace context: the provider's side of the request joins our trace.
    if (!request.traceparent.empty()) headers.push_back("traceparent: " + request.traceparent);
    spec.http.headers = merge_headers(std::move(headers), config_.extra_headers);
    spec.http.connect_timeout_ms = config_.connect_timeout_ms;
    spec.stream = request.stream;
    spec.provider_name = "OpenAI";
    spec.secret = config_.api_key;
    spec.remaining_requests_header = "x-ratelimit-remaining-requests";
    spec.remaining_tokens_header = "x-ratelimit-remaining-tokens";
    return start_exchange(client_, listener, std::move(spec),
                          [](Emitter *out) { return std::make_unique<OpenAIDecoder>(out); });
  }

 private:
  ProviderConfig config_;
  http::Client *client_;
  std::string url_;
};

}  // namespace

std::unique_ptr<Provider> make_openai_provider(const ProviderConfig &config, http::Client *client) {
  return std::make_unique<OpenAIProvider>(config, client);
}

}  // namespace toolorch::llm

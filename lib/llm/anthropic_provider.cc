// The Anthropic Messages adapter: POST {base_url}/v1/messages with
// x-api-key (omitted when the key is empty), anthropic-version, content-type.
#include "llm/adapters.h"
#include "llm/exchange.h"
#include "llm/request_util.h"
#include "toolorch/status.h"

namespace toolorch::llm {

namespace {

class AnthropicProvider final : public Provider {
 public:
  AnthropicProvider(const ProviderConfig &config, http::Client *client) : config_(config), client_(client) {
    url_ = endpoint_url(config_.base_url, "https://api.anthropic.com", "/messages");
  }

  Protocol protocol() const override { return Protocol::kAnthropic; }

  std::unique_ptr<PendingRequest> send(const Request &request, Listener *listener) override {
    ExchangeSpec spec;
    std::string err;
    if (!encode_anthropic_request(request, &spec.http.body, &err)) {
      Error e;
      e.status = TOOLORCH_EJSON;
      e.message = "Anthropic request: " + err;
      return failed_request(listener, std::move(e));
    }
    spec.http.method = "POST";
    spec.http.url = url_;
    std::vector<std::string> headers = {
        "content-type: application/json",
        "anthropic-version: " + config_.anthropic_version,
        request.stream ? "accept: text/event-stream" : "accept: application/json"};
    if (!config_.api_key.empty()) headers.push_back("x-api-key: " + config_.api_key);
    // W3C trace context: the provider's side of the request joins our trace.
    if (!request.traceparent.empty()) headers.push_back("traceparent: " + request.traceparent);
    spec.http.headers = merge_headers(std::move(headers), config_.extra_headers);
    spec.http.connect_timeout_ms = config_.connect_timeout_ms;
    spec.stream = request.stream;
    spec.provider_name = "Anthropic";
    spec.secret = config_.api_key;
    spec.remaining_requests_header = "anthropic-ratelimit-requests-remaining";
    spec.remaining_tokens_header = "anthropic-ratelimit-tokens-remaining";
    return start_exchange(client_, listener, std::move(spec),
                          [](Emitter *out) { return std::make_unique<AnthropicDecoder>(out); });
  }

 private:
  ProviderConfig config_;
  http::Client *client_;
  std::string url_;
};

}  // namespace

std::unique_ptr<Provider> make_anthropic_provider(const ProviderConfig &config, http::Client *client) {
  return std::make_unique<AnthropicProvider>(config, client);
}

}  // namespace toolorch::llm

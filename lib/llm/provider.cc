// The one Provider: it asks its ProtocolSpec for the URL, headers, body and
// decoder of each request and runs the exchange. Adding a protocol adds a
// spec, an encoder and a decoder, not another provider class.
#include "llm/exchange.h"
#include "llm/protocol_spec.h"
#include "llm/request_util.h"
#include "toolorch/status.h"

namespace toolorch::llm {

Request held_request(const Request &r) {
  Request held = r;
  held.lent = nullptr;
  held.lent_count = 0;
  held.lent_texts = nullptr;
  const RequestMessages list(r);
  held.messages.reserve(list.size());
  for (size_t i = r.messages.size(); i < list.size(); ++i) {
    held.messages.push_back(list[i]);
    held.messages.back().text = std::string(list.text(list[i]));
  }
  return held;
}

namespace {

class SpecProvider final : public Provider {
 public:
  SpecProvider(const ProtocolSpec &spec, const ProviderConfig &config, http::Client *client)
      : spec_(spec), config_(config), client_(client) {}

  Protocol protocol() const override { return spec_.protocol; }

  std::unique_ptr<PendingRequest> send(const Request &request, Listener *listener) override {
    ExchangeSpec ex;
    std::string err;
    if (!spec_.encode(config_, request, &ex.http.body, &err)) {
      Error e;
      e.status = TOOLORCH_EJSON;
      e.message = std::string(spec_.display_name) + " request: " + err;
      return failed_request(listener, std::move(e));
    }
    ex.http.method = "POST";
    ex.http.url = spec_.url(config_, request);
    std::vector<std::string> headers = spec_.headers(config_, request);
    // W3C trace context: the provider's side of the request joins our trace.
    if (!request.traceparent.empty()) headers.push_back("traceparent: " + request.traceparent);
    ex.http.headers = merge_headers(std::move(headers), config_.extra_headers);
    ex.http.connect_timeout_ms = config_.connect_timeout_ms;
    ex.stream = request.stream;
    ex.provider_name = spec_.display_name;
    ex.secret = config_.api_key;
    ex.max_response_bytes = config_.max_response_bytes;
    ex.remaining_requests_header = spec_.remaining_requests_header;
    ex.remaining_tokens_header = spec_.remaining_tokens_header;
    ex.reset_requests_header = spec_.reset_requests_header;
    ex.reset_tokens_header = spec_.reset_tokens_header;
    return start_exchange(client_, listener, std::move(ex), spec_.make_decoder);
  }

 private:
  const ProtocolSpec &spec_;
  ProviderConfig config_;
  http::Client *client_;
};

}  // namespace

const ProtocolSpec &protocol_spec(Protocol p) {
  switch (p) {
    case Protocol::kAnthropic: return anthropic_spec();
    case Protocol::kOpenAIResponses: return openai_responses_spec();
    case Protocol::kGemini: return gemini_spec();
    case Protocol::kOpenAI: break;
  }
  return openai_chat_spec();
}

std::unique_ptr<Provider> make_spec_provider(const ProtocolSpec &spec, const ProviderConfig &config,
                                             http::Client *client) {
  return std::make_unique<SpecProvider>(spec, config, client);
}

}  // namespace toolorch::llm

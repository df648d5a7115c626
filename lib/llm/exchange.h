// One request/response with a provider over http::Client, protocol-neutral:
// it starts the transfer, reports the rate-limit headers, maps HTTP and
// transport failures to Errors, feeds a successful streamed body through the
// SSE reader into the protocol's Decoder (or hands it a whole JSON body),
// and cancels the transfer when the request ends early or is cancelled.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "http/http_client.h"
#include "llm/emitter.h"
#include "llm/provider.h"

namespace toolorch::llm {

struct ExchangeSpec {
  http::Request http;
  bool stream = true;
  std::string provider_name;        // "OpenAI", "Anthropic", "Gemini": for messages
  std::string secret;               // the API key: redacted from every message
  std::string remaining_requests_header;
  std::string remaining_tokens_header;
  std::string reset_requests_header;  // when the budget refills: a duration or an RFC 3339 time
  std::string reset_tokens_header;
};

using DecoderFactory = std::function<std::unique_ptr<Decoder>(Emitter *out)>;

// Starts the exchange. The client must outlive the returned request; the
// listener must stay valid until the request ends or is cancelled.
std::unique_ptr<PendingRequest> start_exchange(http::Client *client, Listener *listener,
                                               ExchangeSpec spec, const DecoderFactory &make_decoder);

// A request that failed before any transfer (it could not be encoded): the
// error is reported at once, before send() returns.
std::unique_ptr<PendingRequest> failed_request(Listener *listener, Error &&error);

}  // namespace toolorch::llm

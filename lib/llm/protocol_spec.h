// A provider is data plus a decoder: everything that differs between the
// protocols is in one ProtocolSpec (where to POST, how to authenticate, how
// to encode a Request, which Decoder reads the answer, which headers carry
// its rate limits). provider.cc is the one Provider class that runs any of
// them over the shared exchange (exchange.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "llm/emitter.h"
#include "llm/provider_config.h"

namespace toolorch::llm {

struct ProtocolSpec {
  Protocol protocol;
  const char *name;          // "openai", ... (config value, default limits service)
  const char *display_name;  // "OpenAI", ...: in messages
  // The endpoint of one request (base_url rules: request_util.h endpoint_url).
  std::string (*url)(const ProviderConfig &config, const Request &request);
  // Protocol headers besides the config's own ("Name: value"); the key goes
  // here and nowhere else.
  std::vector<std::string> (*headers)(const ProviderConfig &config, const Request &request);
  // The JSON body; false and *err when a tool schema is not an object.
  bool (*encode)(const ProviderConfig &config, const Request &request, std::string *body, std::string *err);
  std::unique_ptr<Decoder> (*make_decoder)(Emitter *out);
  // Rate-limit headers: remaining counts (integers) and their resets.
  const char *remaining_requests_header;
  const char *remaining_tokens_header;
  const char *reset_requests_header;
  const char *reset_tokens_header;
};

// The spec of each protocol (defined in <protocol>_protocol.cc).
const ProtocolSpec &openai_chat_spec();
const ProtocolSpec &openai_responses_spec();
const ProtocolSpec &anthropic_spec();
const ProtocolSpec &gemini_spec();
const ProtocolSpec &protocol_spec(Protocol p);

// The one provider class, for any spec.
std::unique_ptr<Provider> make_spec_provider(const ProtocolSpec &spec, const ProviderConfig &config,
                                             http::Client *client);

}  // namespace toolorch::llm

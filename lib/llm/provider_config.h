// Which provider to talk to and how, from code or from the JSON config, and
// the factory that makes the matching Provider.
//
// JSON form (unknown keys are rejected by name):
//   {
//     "protocol": "openai" | "openai-responses" | "anthropic" | "gemini",   default "openai"
//     "base_url": "https://api.openai.com",    default per protocol. Without a path the
//                                              protocol's own is added (/v1/chat/completions,
//                                              /v1/responses, /v1/messages,
//                                              /v1beta/models/{model}:generateContent); with a
//                                              path that path is the API root (".../v1",
//                                              ".../v1beta/openai"); a path that already ends
//                                              in the endpoint is used as it is (request_util.h)
//     "api_key": "...",                        or
//     "api_key_env": "NAME",                   the environment variable holding it;
//                                              neither: OPENAI_API_KEY / ANTHROPIC_API_KEY /
//                                              GEMINI_API_KEY, then GOOGLE_API_KEY
//                                              (an unset variable leaves the key empty:
//                                              no auth header, for local servers)
//     "responses_state": "stateless" | "previous_response_id"   (OpenAI Responses only)
//                                              stateless (default): store:false, the whole
//                                              conversation each round; previous_response_id:
//                                              store:true, each round sends only what is new
//     "responses_encrypted_reasoning": false   (OpenAI Responses) ask for reasoning items'
//                                              encrypted_content, so that reasoning models keep
//                                              their reasoning across stateless rounds
//     "anthropic_version": "2023-06-01",
//     "headers": {"Name": "value", ...},       sent with every request; they
//                                              replace default headers of the same name
//     "connect_timeout_ms": 10000,             (extension)
//     "max_tokens_field": "max_completion_tokens" | "max_tokens"   (extension, OpenAI only)
//   }
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <cjson/cJSON.h>

#include "http/http_client.h"
#include "llm/provider.h"

namespace toolorch::llm {

struct ProviderConfig {
  Protocol protocol = Protocol::kOpenAI;
  std::string base_url;  // "" = https://api.openai.com / https://api.anthropic.com
  std::string api_key;   // never logged, never in a message
  std::string anthropic_version = "2023-06-01";
  std::vector<std::string> extra_headers;  // "Name: value"
  long connect_timeout_ms = 10000;
  // OpenAI Chat Completions: the name under which Request::max_tokens is
  // sent. "max_completion_tokens" is OpenAI's current name (its reasoning
  // models refuse "max_tokens"; servers that do not know it ignore it);
  // "max_tokens" for older OpenAI-compatible servers that need it.
  std::string max_tokens_field = "max_completion_tokens";
  // OpenAI Responses: chain rounds by previous_response_id (store: true)
  // instead of resending the conversation (store: false).
  bool responses_previous_id = false;
  bool responses_encrypted_reasoning = false;
};

// Fill *out from a JSON object. On failure returns false and *err names the
// offending key; *out is then unspecified. Never puts a key's value in *err.
bool parse_provider_config(const cJSON *json, ProviderConfig *out, std::string *err);

// "openai" / "anthropic" / "openai-responses" / "gemini".
const char *protocol_name(Protocol p);
// The inverse; false for an unknown name.
bool protocol_from_name(const std::string &name, Protocol *out);

// The adapter for config.protocol over client, which must outlive it and
// every request it sends. Null if client is null.
std::unique_ptr<Provider> make_provider(const ProviderConfig &config, http::Client *client);

}  // namespace toolorch::llm

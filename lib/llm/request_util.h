// Pieces both adapters need to build a request: the endpoint URL, the header
// list, a tool's schema as a JSON object, and the tool results of one turn in
// the order of the calls they answer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "json/json.h"
#include "llm/provider.h"

namespace toolorch::llm {

// Where a request goes, from the configured base_url:
// - no base_url, or one without a path: {base}{prefix}{suffix}
//   ("https://api.openai.com" -> https://api.openai.com/v1/chat/completions);
// - a base_url with a path: that path replaces the prefix, {base}{suffix}
//   ("https://generativelanguage.googleapis.com/v1beta/openai" ->
//   .../v1beta/openai/chat/completions; "http://host/v1" -> http://host/v1/...);
// - a base_url whose path already ends in the suffix is the full endpoint,
//   used as it is (Azure deployments, gateways).
// A query in base_url ("?api-version=...") is kept at the end; a trailing
// "/" never makes a "//".
std::string endpoint_url(std::string_view base_url, std::string_view default_base, std::string_view prefix,
                         std::string_view suffix);

// Gemini's: {base}/v1beta/models/{model}:generateContent, or
// :streamGenerateContent?alt=sse when streamed, by the same rules; a base
// whose path already holds ":generateContent" or ":streamGenerateContent" is
// the full endpoint, with the method switched to match `stream`.
std::string gemini_endpoint_url(std::string_view base_url, std::string_view model, bool stream);

// defaults then extras ("Name: value"); an extra header replaces a default
// one of the same name (case-insensitive), so a config can override any.
std::vector<std::string> merge_headers(std::vector<std::string> defaults,
                                       const std::vector<std::string> &extras);

// The tool's JSON Schema as an object ({"type":"object"} when empty); null
// and *err set when schema_json is not a JSON object.
json::Ptr schema_object(const ToolDef &tool, std::string *err);

// The tool messages msgs[begin, end) ordered as the calls of the assistant
// turn before them (calls may be null); results for unknown ids keep their
// relative order after the known ones.
std::vector<const Message *> ordered_tool_results(const RequestMessages &msgs, size_t begin,
                                                  size_t end, const std::vector<ToolCall> *calls);

// An encoder's state (see EncodedMessages): where its encoding of msgs goes
// on from. With the caller's cache (request.encoded) that is the first
// message it has not encoded yet (or the start of a trailing run of tool
// messages that grew), the cache rewound to that point; otherwise 0 and
// *local, fresh. *state is the one to encode into.
size_t resume_encoding(const Request &request, Protocol protocol, EncodedMessages *local,
                       EncodedMessages **state);
// Before encoding a run of tool messages that ends the request (a later
// request may add to it): remember the state at its start.
void mark_tool_run(EncodedMessages *state, size_t run_start);
// After encoding every message of the request.
void end_encoding(EncodedMessages *state, size_t count);

// A Message's provider_state (written by our own decoders): parsed with
// limits as large as the answers it came from.
json::Ptr parse_state(const std::string &state);

// Append s to arr as a JSON string / add it to obj under key.
void add_string(cJSON *obj, const char *key, std::string_view s);

}  // namespace toolorch::llm

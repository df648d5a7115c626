// Test helpers for the scripted LLM server: blocking libcurl requests, SSE
// and chunked-transfer parsing, and reading /stats.
#pragma once

#include <cjson/cJSON.h>

#include <memory>
#include <string>
#include <vector>

#include "mockllm/mock_server.h"

namespace mocktest {

struct JsonDeleter {
  void operator()(cJSON *p) const { cJSON_Delete(p); }
};
using Json = std::unique_ptr<cJSON, JsonDeleter>;

struct HttpResult {
  int curl_code = -1;  // CURLcode
  long status = 0;
  std::string headers;  // raw header lines
  std::string body;     // decoded, or the raw chunked body when raw_chunks was asked
};

struct RequestOptions {
  bool raw_chunks = false;   // keep the Transfer-Encoding framing in body
  size_t abort_after_bytes = 0;  // > 0: abort the transfer once this much arrived
};

HttpResult post(const std::string &url, const std::string &body, const RequestOptions &opts = {});
HttpResult get(const std::string &url);

// The value of a response header (case-insensitive name), "" if absent.
std::string header(const HttpResult &r, const std::string &name);

struct Sse {
  std::string event;  // "" when the event has no "event:" line
  std::string data;
};
std::vector<Sse> parse_sse(const std::string &body);

// The chunks of a raw chunked body; false if the framing is broken.
bool parse_chunks(const std::string &raw, std::vector<std::string> *chunks);

Json parse(const std::string &text);
// A number in the /stats JSON by dotted path ("requests.total",
// "faults_injected.http_429", "round_requests.1"); 0 when absent.
long long stat(const toolorch::mockllm::Server &server, const std::string &path);
// Waits (bounded) until stat(path) == want; returns the last value seen.
long long wait_stat(const toolorch::mockllm::Server &server, const std::string &path, long long want);

// A started server or a failed test.
std::unique_ptr<toolorch::mockllm::Server> start_server(const std::string &script);

// What a response said, protocol-neutral, assembled from a body or a stream.
struct Call {
  std::string id;
  std::string name;
  std::string arguments;
};
struct Answer {
  std::string text;
  std::vector<Call> calls;
  std::string stop_reason;
  bool finished = false;  // [DONE] / message_stop seen (streams); always for bodies
};
bool read_openai_body(const std::string &body, Answer *out);
bool read_openai_stream(const std::string &body, Answer *out);
bool read_anthropic_body(const std::string &body, Answer *out);
bool read_anthropic_stream(const std::string &body, Answer *out);

// Request bodies.
std::string openai_request(const std::string &messages_json, bool stream);
std::string anthropic_request(const std::string &messages_json, bool stream);

}  // namespace mocktest

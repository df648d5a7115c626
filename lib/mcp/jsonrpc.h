// JSON-RPC 2.0 as MCP uses it: the messages the client writes (requests,
// notifications, replies to the server's own requests) and the sorting of
// what comes back. Ids the client makes are integers.
#pragma once

#include <cstdint>
#include <string>

#include "json/json.h"

namespace toolorch::mcp {

// The protocol revisions this client speaks.
inline constexpr const char *kRevision2025 = "2025-11-25";  // initialize handshake, sessions
inline constexpr const char *kRevision2026 = "2026-07-28";  // stateless: _meta on every request

// JSON-RPC error codes met here.
inline constexpr int kMethodNotFound = -32601;

// {"jsonrpc":"2.0","id":id,"method":...,"params":params}; params may be null.
std::string request_text(int64_t id, const char *method, const cJSON *params);
// {"jsonrpc":"2.0","method":...,"params":params}
std::string notification_text(const char *method, const cJSON *params);
// A reply to a request of the server's: a result (null = {}) or an error.
std::string result_text(const cJSON *id, const cJSON *result);
std::string error_text(const cJSON *id, int code, const char *message);

// What one incoming message is.
struct Incoming {
  enum class Kind { kResponse, kNotification, kRequest, kInvalid } kind = Kind::kInvalid;
  int64_t id = -1;             // kResponse: the id it answers (-1 if not one of ours)
  const cJSON *id_node = nullptr;  // kRequest: the id to answer with
  std::string method;          // kNotification, kRequest
  const cJSON *params = nullptr;
  const cJSON *result = nullptr;  // kResponse on success
  const cJSON *error = nullptr;   // kResponse on failure
  std::string why;                // kInvalid: what is wrong
};
// Sort a parsed message; pointers point into msg.
Incoming classify(const cJSON *msg);

// "MCP error -32602: Invalid params" from an error object.
std::string describe_error(const cJSON *error);

}  // namespace toolorch::mcp

#include "mcp/jsonrpc.h"

#include <cmath>

namespace toolorch::mcp {
namespace {

std::string envelope(const cJSON *id, int64_t int_id, const char *method, const cJSON *params,
                     const char *member, const cJSON *value) {
  json::Ptr msg(cJSON_CreateObject());
  cJSON_AddStringToObject(msg.get(), "jsonrpc", "2.0");
  if (id) cJSON_AddItemToObject(msg.get(), "id", cJSON_Duplicate(id, 1));
  else if (int_id >= 0) cJSON_AddNumberToObject(msg.get(), "id", static_cast<double>(int_id));
  if (method) cJSON_AddStringToObject(msg.get(), "method", method);
  if (params) cJSON_AddItemToObject(msg.get(), "params", cJSON_Duplicate(params, 1));
  if (member) cJSON_AddItemToObject(msg.get(), member, value ? cJSON_Duplicate(value, 1) : cJSON_CreateObject());
  return json::print(msg.get());
}

}  // namespace

std::string request_text(int64_t id, const char *method, const cJSON *params) {
  return envelope(nullptr, id, method, params, nullptr, nullptr);
}

std::string notification_text(const char *method, const cJSON *params) {
  return envelope(nullptr, -1, method, params, nullptr, nullptr);
}

std::string result_text(const cJSON *id, const cJSON *result) {
  return envelope(id, -1, nullptr, nullptr, "result", result);
}

std::string error_text(const cJSON *id, int code, const char *message) {
  json::Ptr err(cJSON_CreateObject());
  cJSON_AddNumberToObject(err.get(), "code", code);
  cJSON_AddStringToObject(err.get(), "message", message);
  return envelope(id, -1, nullptr, nullptr, "error", err.get());
}

Incoming classify(const cJSON *msg) {
  Incoming in;
  if (!cJSON_IsObject(msg)) {
    in.why = "a JSON-RPC message must be an object";
    return in;
  }
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
  const cJSON *method = cJSON_GetObjectItemCaseSensitive(msg, "method");
  in.params = cJSON_GetObjectItemCaseSensitive(msg, "params");
  if (cJSON_IsString(method)) {
    in.method = method->valuestring;
    if (id && !cJSON_IsNull(id)) {
      in.kind = Incoming::Kind::kRequest;
      in.id_node = id;
    } else {
      in.kind = Incoming::Kind::kNotification;
    }
    return in;
  }
  in.result = cJSON_GetObjectItemCaseSensitive(msg, "result");
  in.error = cJSON_GetObjectItemCaseSensitive(msg, "error");
  if (!in.result && !in.error) {
    in.why = "a JSON-RPC message with neither method, result nor error";
    return in;
  }
  in.kind = Incoming::Kind::kResponse;
  // Only integral ids in range are ours; anything else answers nothing we sent.
  if (cJSON_IsNumber(id) && std::isfinite(id->valuedouble) && id->valuedouble >= 0 &&
      id->valuedouble < 9.0e15 && std::floor(id->valuedouble) == id->valuedouble)
    in.id = static_cast<int64_t>(id->valuedouble);
  return in;
}

std::string describe_error(const cJSON *error) {
  const cJSON *code = cJSON_GetObjectItemCaseSensitive(error, "code");
  const char *message = json::get_string(error, "message", "no message");
  std::string out = "MCP error";
  if (cJSON_IsNumber(code) && std::isfinite(code->valuedouble) && std::fabs(code->valuedouble) < 1e9)
    out += " " + std::to_string(static_cast<long long>(code->valuedouble));
  out += ": ";
  out += message;
  return out;
}

}  // namespace toolorch::mcp

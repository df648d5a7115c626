#include "mockllm/gemini_writer.h"

#include <cjson/cJSON.h>

#include <cstdio>

#include "mockllm/text_util.h"

namespace toolorch::mockllm::gemini {
namespace {

std::string usage_json(const Plan &plan) {
  return "{\"promptTokenCount\":" + std::to_string(plan.input_tokens) +
         ",\"candidatesTokenCount\":" + std::to_string(plan.output_tokens) +
         ",\"totalTokenCount\":" + std::to_string(plan.input_tokens + plan.output_tokens) + "}";
}

// args must be an object; arguments broken on purpose go out as a string
// holding the text (as Anthropic's input does).
std::string args_json(const std::string &arguments) {
  cJSON *v = cJSON_ParseWithLength(arguments.data(), arguments.size());
  const bool object = cJSON_IsObject(v);
  cJSON_Delete(v);
  return object ? arguments : json_string(arguments);
}

std::string call_part(const PlannedCall &c, bool first) {
  std::string s = "{\"functionCall\":{\"id\":" + json_string(c.id) + ",\"name\":" + json_string(c.name) +
                  ",\"args\":" + args_json(c.arguments) + "}";
  if (first) s += ",\"thoughtSignature\":" + json_string(signature_for(c.id));
  return s + "}";
}

std::string chunk(const ReplyContext &ctx, const std::string &parts, const char *finish, const std::string &usage) {
  std::string s = "{\"candidates\":[{\"content\":{\"parts\":[" + parts + "],\"role\":\"model\"}";
  if (finish) s += std::string(",\"finishReason\":\"") + finish + "\"";
  s += ",\"index\":0}]";
  if (!usage.empty()) s += ",\"usageMetadata\":" + usage;
  s += ",\"modelVersion\":" + json_string(ctx.model) + ",\"responseId\":" + json_string(ctx.response_id) + "}";
  return s;
}

SseEvent data_event(const std::string &json, bool paced) { return SseEvent{"data: " + json + "\r\n\r\n", paced}; }

}  // namespace

std::string signature_for(std::string_view call_id) {
  return "c2lnOn" + std::string(call_id) + "/+=";  // base64-looking, with the characters that need care
}

StreamEvents stream_events(const Plan &plan, const ReplyContext &ctx) {
  StreamEvents out;
  out.atomic_calls = true;
  out.text_start = out.events.size();
  for (const std::string &piece : split_pieces(plan.text, plan.chunk_bytes, 1)) {
    out.events.push_back(data_event(chunk(ctx, "{\"text\":" + json_string(piece) + "}", nullptr, ""), true));
    ++out.text_pieces;
  }
  for (size_t i = 0; i < plan.calls.size(); ++i) {
    out.call_start.push_back(out.events.size());
    out.call_pieces.push_back(1);
    out.events.push_back(data_event(chunk(ctx, call_part(plan.calls[i], i == 0), nullptr, ""), true));
  }
  out.finish_at = out.events.size();
  out.events.push_back(data_event(chunk(ctx, "{\"text\":\"\"}", "STOP", usage_json(plan)), false));
  return out;
}

std::string body(const Plan &plan, const ReplyContext &ctx) {
  std::string parts;
  if (!plan.text.empty()) parts = "{\"text\":" + json_string(plan.text) + "}";
  for (size_t i = 0; i < plan.calls.size(); ++i) {
    if (!parts.empty()) parts += ",";
    parts += call_part(plan.calls[i], i == 0);
  }
  return chunk(ctx, parts, "STOP", usage_json(plan));
}

std::string error_body(int status, std::string_view message, int64_t retry_delay_ms) {
  const char *st = "INVALID_ARGUMENT";
  switch (status) {
    case 400: st = "INVALID_ARGUMENT"; break;
    case 401: st = "UNAUTHENTICATED"; break;
    case 403: st = "PERMISSION_DENIED"; break;
    case 404: st = "NOT_FOUND"; break;
    case 429: st = "RESOURCE_EXHAUSTED"; break;
    case 500: st = "INTERNAL"; break;
    case 503: st = "UNAVAILABLE"; break;
    case 504: st = "DEADLINE_EXCEEDED"; break;
    default: st = status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION"; break;
  }
  std::string s = "{\"error\":{\"code\":" + std::to_string(status) + ",\"message\":" + json_string(message) +
                  ",\"status\":\"" + st + "\"";
  if (retry_delay_ms >= 0) {
    char delay[32];
    snprintf(delay, sizeof delay, "%lld.%03llds", static_cast<long long>(retry_delay_ms / 1000),
             static_cast<long long>(retry_delay_ms % 1000));
    s += ",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"" +
         std::string(delay) + "\"}]";
  }
  return s + "}}";
}

std::string stream_error_event(std::string_view message) {
  return "data: " + error_body(500, message) + "\r\n\r\n";
}

}  // namespace toolorch::mockllm::gemini

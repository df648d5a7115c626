#include "mockllm/anthropic_writer.h"

#include <cjson/cJSON.h>

#include "mockllm/text_util.h"

namespace toolorch::mockllm::anthropic {
namespace {

const char *stop_reason(const Plan &plan) { return plan.calls.empty() ? "end_turn" : "tool_use"; }

SseEvent event(const char *name, const std::string &data, bool paced) {
  return SseEvent{std::string("event: ") + name + "\ndata: " + data + "\n\n", paced};
}

const char *error_type(int status) {
  switch (status) {
    case 400: return "invalid_request_error";
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 413: return "request_too_large";
    case 429: return "rate_limit_error";
    case 529: return "overloaded_error";
    default: return status < 500 ? "invalid_request_error" : "api_error";
  }
}

// A tool_use "input" must be an object; arguments broken on purpose go out
// as a string holding the text (the non-streamed form cannot carry them raw).
std::string input_json(const std::string &arguments) {
  cJSON *v = cJSON_ParseWithLength(arguments.data(), arguments.size());
  const bool object = cJSON_IsObject(v);
  cJSON_Delete(v);
  return object ? arguments : json_string(arguments);
}

}  // namespace

StreamEvents stream_events(const Plan &plan, const ReplyContext &ctx) {
  StreamEvents out;
  std::string start = "{\"type\":\"message_start\",\"message\":{\"id\":" + json_string(ctx.response_id) +
                      ",\"type\":\"message\",\"role\":\"assistant\",\"model\":" + json_string(ctx.model) +
                      ",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":" +
                      std::to_string(plan.input_tokens) + ",\"output_tokens\":1}}}";
  out.events.push_back(event("message_start", start, false));
  out.events.push_back(event("ping", "{\"type\": \"ping\"}", false));
  int block = 0;
  if (!plan.text.empty()) {
    const std::string index = std::to_string(block);
    out.events.push_back(event("content_block_start",
                               "{\"type\":\"content_block_start\",\"index\":" + index +
                                   ",\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
                               false));
    out.text_start = out.events.size();
    for (const std::string &piece : split_pieces(plan.text, plan.chunk_bytes, 1)) {
      out.events.push_back(event("content_block_delta",
                                 "{\"type\":\"content_block_delta\",\"index\":" + index +
                                     ",\"delta\":{\"type\":\"text_delta\",\"text\":" + json_string(piece) + "}}",
                                 true));
      ++out.text_pieces;
    }
    out.events.push_back(
        event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + index + "}", false));
    ++block;
  }
  for (const PlannedCall &c : plan.calls) {
    const std::string index = std::to_string(block++);
    const std::vector<std::string> pieces = split_pieces(c.arguments, plan.chunk_bytes, 2);
    out.call_start.push_back(out.events.size());
    out.call_pieces.push_back(pieces.size());
    out.events.push_back(event("content_block_start",
                               "{\"type\":\"content_block_start\",\"index\":" + index +
                                   ",\"content_block\":{\"type\":\"tool_use\",\"id\":" + json_string(c.id) +
                                   ",\"name\":" + json_string(c.name) + ",\"input\":{}}}",
                               pieces.empty()));
    for (const std::string &piece : pieces) {
      out.events.push_back(event("content_block_delta",
                                 "{\"type\":\"content_block_delta\",\"index\":" + index +
                                     ",\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":" +
                                     json_string(piece) + "}}",
                                 true));
    }
    out.events.push_back(
        event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + index + "}", false));
  }
  out.finish_at = out.events.size();
  out.events.push_back(event("message_delta",
                             std::string("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"") +
                                 stop_reason(plan) + "\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":" +
                                 std::to_string(plan.output_tokens) + "}}",
                             false));
  out.events.push_back(event("message_stop", "{\"type\":\"message_stop\"}", false));
  return out;
}

std::string body(const Plan &plan, const ReplyContext &ctx) {
  std::string s = "{\"id\":" + json_string(ctx.response_id) +
                  ",\"type\":\"message\",\"role\":\"assistant\",\"model\":" + json_string(ctx.model) + ",\"content\":[";
  bool first = true;
  if (!plan.text.empty()) {
    s += "{\"type\":\"text\",\"text\":" + json_string(plan.text) + "}";
    first = false;
  }
  for (const PlannedCall &c : plan.calls) {
    if (!first) s += ",";
    first = false;
    s += "{\"type\":\"tool_use\",\"id\":" + json_string(c.id) + ",\"name\":" + json_string(c.name) +
         ",\"input\":" + input_json(c.arguments) + "}";
  }
  s += std::string("],\"stop_reason\":\"") + stop_reason(plan) +
       "\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":" + std::to_string(plan.input_tokens) +
       ",\"output_tokens\":" + std::to_string(plan.output_tokens) + "}}";
  return s;
}

std::string error_body(int status, std::string_view message) {
  return std::string("{\"type\":\"error\",\"error\":{\"type\":\"") + error_type(status) +
         "\",\"message\":" + json_string(message) + "}}";
}

std::string stream_error_event(std::string_view message) {
  return "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":" +
         json_string(message) + "}}\n\n";
}

}  // namespace toolorch::mockllm::anthropic

#include "mockllm/openai_writer.h"

#include "mockllm/text_util.h"

namespace toolorch::mockllm::openai {
namespace {

const char *finish_reason(const Plan &plan) { return plan.calls.empty() ? "stop" : "tool_calls"; }

std::string usage_json(const Plan &plan) {
  return "{\"prompt_tokens\":" + std::to_string(plan.input_tokens) +
         ",\"completion_tokens\":" + std::to_string(plan.output_tokens) +
         ",\"total_tokens\":" + std::to_string(plan.input_tokens + plan.output_tokens) + "}";
}

// Everything of a chunk before its "choices".
std::string chunk_head(const ReplyContext &ctx) {
  std::string s = "{\"id\":";
  append_json_string(&s, ctx.response_id);
  s += ",\"object\":\"chat.completion.chunk\",\"created\":" + std::to_string(ctx.created) + ",\"model\":";
  append_json_string(&s, ctx.model);
  s += ",\"system_fingerprint\":\"fp_mockllm\",\"choices\":";
  return s;
}

SseEvent delta_event(const std::string &head, const std::string &delta, bool paced,
                     const char *finish = nullptr) {
  std::string s = "data: " + head + "[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":";
  s += finish ? json_string(finish) : "null";
  s += "}]}\n\n";
  return SseEvent{std::move(s), paced};
}

}  // namespace

StreamEvents stream_events(const Plan &plan, const ReplyContext &ctx) {
  StreamEvents out;
  const std::string head = chunk_head(ctx);
  out.events.push_back(delta_event(
      head, plan.text.empty() ? "{\"role\":\"assistant\",\"content\":null}" : "{\"role\":\"assistant\",\"content\":\"\"}",
      false));
  out.text_start = out.events.size();
  for (const std::string &piece : split_pieces(plan.text, plan.chunk_bytes, 1)) {
    out.events.push_back(delta_event(head, "{\"content\":" + json_string(piece) + "}", true));
    ++out.text_pieces;
  }
  for (size_t i = 0; i < plan.calls.size(); ++i) {
    const PlannedCall &c = plan.calls[i];
    const std::string index = std::to_string(i);
    // The arguments always come in at least two pieces so that a client
    // sees a call grow before it is complete.
    const std::vector<std::string> pieces = split_pieces(c.arguments, plan.chunk_bytes, 2);
    out.call_start.push_back(out.events.size());
    out.call_pieces.push_back(pieces.size());
    std::string start = "{\"tool_calls\":[{\"index\":" + index + ",\"id\":" + json_string(c.id) +
                        ",\"type\":\"function\",\"function\":{\"name\":" + json_string(c.name) +
                        ",\"arguments\":\"\"}}]}";
    out.events.push_back(delta_event(head, start, pieces.empty()));
    for (const std::string &piece : pieces) {
      out.events.push_back(delta_event(
          head, "{\"tool_calls\":[{\"index\":" + index + ",\"function\":{\"arguments\":" + json_string(piece) + "}}]}",
          true));
    }
  }
  out.finish_at = out.events.size();
  out.events.push_back(delta_event(head, "{}", false, finish_reason(plan)));
  if (ctx.include_usage)
    out.events.push_back(SseEvent{"data: " + head + "[],\"usage\":" + usage_json(plan) + "}\n\n", false});
  out.events.push_back(SseEvent{"data: [DONE]\n\n", false});
  return out;
}

std::string body(const Plan &plan, const ReplyContext &ctx) {
  std::string s = "{\"id\":";
  append_json_string(&s, ctx.response_id);
  s += ",\"object\":\"chat.completion\",\"created\":" + std::to_string(ctx.created) + ",\"model\":";
  append_json_string(&s, ctx.model);
  s += ",\"system_fingerprint\":\"fp_mockllm\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":";
  s += plan.text.empty() ? "null" : json_string(plan.text);
  s += ",\"refusal\":null";
  if (!plan.calls.empty()) {
    s += ",\"tool_calls\":[";
    for (size_t i = 0; i < plan.calls.size(); ++i) {
      const PlannedCall &c = plan.calls[i];
      if (i) s += ",";
      s += "{\"id\":" + json_string(c.id) + ",\"type\":\"function\",\"function\":{\"name\":" + json_string(c.name) +
           ",\"arguments\":" + json_string(c.arguments) + "}}";
    }
    s += "]";
  }
  s += "},\"logprobs\":null,\"finish_reason\":";
  s += json_string(finish_reason(plan));
  s += "}],\"usage\":" + usage_json(plan) + "}";
  return s;
}

std::string error_body(int status, std::string_view message) {
  const char *type = "invalid_request_error";
  const char *code = "null";
  if (status == 401) {
    code = "\"invalid_api_key\"";
  } else if (status == 429) {
    type = "requests";
    code = "\"rate_limit_exceeded\"";
  } else if (status >= 500) {
    type = "server_error";
  }
  std::string s = "{\"error\":{\"message\":" + json_string(message) + ",\"type\":" + json_string(type) +
                  ",\"param\":null,\"code\":" + code + "}}";
  return s;
}

std::string stream_error_event(std::string_view message) {
  return "data: {\"error\":{\"message\":" + json_string(message) +
         ",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n";
}

}  // namespace toolorch::mockllm::openai

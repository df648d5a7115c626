#include "mockllm/responses_writer.h"

#include "mockllm/openai_writer.h"
#include "mockllm/text_util.h"

namespace toolorch::mockllm::responses {
namespace {

std::string usage_json(const Plan &plan) {
  return "{\"input_tokens\":" + std::to_string(plan.input_tokens) +
         ",\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":" + std::to_string(plan.output_tokens) +
         ",\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":" +
         std::to_string(plan.input_tokens + plan.output_tokens) + "}";
}

// Item ids derive from the response id, so they are unique per server.
std::string message_id(const ReplyContext &ctx) { return "msg_" + ctx.response_id.substr(5); }
std::string item_id(const PlannedCall &c) { return "fc_" + c.id.substr(5); }

std::string text_part(const std::string &text) {
  return "{\"type\":\"output_text\",\"text\":" + json_string(text) + ",\"annotations\":[],\"logprobs\":[]}";
}

std::string message_item(const Plan &plan, const ReplyContext &ctx, bool done) {
  return "{\"id\":" + json_string(message_id(ctx)) + ",\"type\":\"message\",\"status\":" +
         (done ? "\"completed\"" : "\"in_progress\"") + ",\"role\":\"assistant\",\"content\":[" +
         (done ? text_part(plan.text) : "") + "]}";
}

std::string call_item(const PlannedCall &c, bool done) {
  return "{\"id\":" + json_string(item_id(c)) + ",\"type\":\"function_call\",\"status\":" +
         (done ? "\"completed\"" : "\"in_progress\"") + ",\"arguments\":" + json_string(done ? c.arguments : "") +
         ",\"call_id\":" + json_string(c.id) + ",\"name\":" + json_string(c.name) + "}";
}

std::string output_json(const Plan &plan, const ReplyContext &ctx) {
  std::string s = "[";
  bool first = true;
  if (!plan.text.empty()) {
    s += message_item(plan, ctx, true);
    first = false;
  }
  for (const PlannedCall &c : plan.calls) {
    if (!first) s += ",";
    s += call_item(c, true);
    first = false;
  }
  return s + "]";
}

std::string response_json(const Plan &plan, const ReplyContext &ctx, const char *status, bool final) {
  std::string s = "{\"id\":" + json_string(ctx.response_id) + ",\"object\":\"response\",\"created_at\":" +
                  std::to_string(ctx.created) + ",\"status\":" + json_string(status) +
                  ",\"background\":false,\"error\":null,\"incomplete_details\":null,\"instructions\":null,"
                  "\"max_output_tokens\":null,\"model\":" +
                  json_string(ctx.model) + ",\"output\":" + (final ? output_json(plan, ctx) : "[]") +
                  ",\"parallel_tool_calls\":true,\"previous_response_id\":null,\"store\":false,"
                  "\"temperature\":1.0,\"text\":{\"format\":{\"type\":\"text\"}},\"tool_choice\":\"auto\","
                  "\"tools\":[],\"top_p\":1.0,\"truncation\":\"disabled\",\"usage\":" +
                  (final ? usage_json(plan) : "null") + ",\"metadata\":{}}";
  return s;
}

class Events {
 public:
  explicit Events(StreamEvents *out) : out_(out) {}
  // type: the event name; body: the fields after "type" and "sequence_number".
  void add(const char *type, const std::string &fields, bool paced) {
    std::string data = std::string("{\"type\":\"") + type + "\",\"sequence_number\":" + std::to_string(seq_++);
    if (!fields.empty()) data += "," + fields;
    data += "}";
    out_->events.push_back(SseEvent{std::string("event: ") + type + "\ndata: " + data + "\n\n", paced});
  }

 private:
  StreamEvents *out_;
  int seq_ = 0;
};

}  // namespace

StreamEvents stream_events(const Plan &plan, const ReplyContext &ctx) {
  StreamEvents out;
  Events ev(&out);
  ev.add("response.created", "\"response\":" + response_json(plan, ctx, "in_progress", false), false);
  ev.add("response.in_progress", "\"response\":" + response_json(plan, ctx, "in_progress", false), false);
  int output_index = 0;
  if (!plan.text.empty()) {
    const std::string oi = "\"output_index\":" + std::to_string(output_index);
    const std::string where = "\"item_id\":" + json_string(message_id(ctx)) + "," + oi + ",\"content_index\":0";
    ev.add("response.output_item.added", oi + ",\"item\":" + message_item(plan, ctx, false), false);
    ev.add("response.content_part.added",
           where + ",\"part\":{\"type\":\"output_text\",\"text\":\"\",\"annotations\":[],\"logprobs\":[]}", false);
    out.text_start = out.events.size();
    for (const std::string &piece : split_pieces(plan.text, plan.chunk_bytes, 1)) {
      ev.add("response.output_text.delta", where + ",\"delta\":" + json_string(piece) + ",\"logprobs\":[]", true);
      ++out.text_pieces;
    }
    ev.add("response.output_text.done", where + ",\"text\":" + json_string(plan.text) + ",\"logprobs\":[]", false);
    ev.add("response.content_part.done", where + ",\"part\":" + text_part(plan.text), false);
    ev.add("response.output_item.done", oi + ",\"item\":" + message_item(plan, ctx, true), false);
    ++output_index;
  }
  for (const PlannedCall &c : plan.calls) {
    const std::string oi = "\"output_index\":" + std::to_string(output_index++);
    const std::string where = "\"item_id\":" + json_string(item_id(c)) + "," + oi;
    const std::vector<std::string> pieces = split_pieces(c.arguments, plan.chunk_bytes, 2);
    out.call_start.push_back(out.events.size());
    out.call_pieces.push_back(pieces.size());
    ev.add("response.output_item.added", oi + ",\"item\":" + call_item(c, false), pieces.empty());
    for (const std::string &piece : pieces)
      ev.add("response.function_call_arguments.delta", where + ",\"delta\":" + json_string(piece), true);
    ev.add("response.function_call_arguments.done", where + ",\"arguments\":" + json_string(c.arguments), false);
    ev.add("response.output_item.done", oi + ",\"item\":" + call_item(c, true), false);
  }
  out.finish_at = out.events.size();
  ev.add("response.completed", "\"response\":" + response_json(plan, ctx, "completed", true), false);
  return out;
}

std::string body(const Plan &plan, const ReplyContext &ctx) { return response_json(plan, ctx, "completed", true); }

std::string error_body(int status, std::string_view message) { return openai::error_body(status, message); }

std::string stream_error_event(std::string_view message) {
  return "event: error\ndata: {\"type\":\"error\",\"code\":\"server_error\",\"message\":" + json_string(message) +
         ",\"param\":null,\"sequence_number\":9999}\n\n";
}

}  // namespace toolorch::mockllm::responses

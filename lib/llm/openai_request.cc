// Request -> the JSON body of OpenAI Chat Completions.
//
// Tool results are "tool" role messages with tool_call_id, in the order of
// the calls they answer. Chat Completions has no error flag for a tool
// result: an is_error result is sent as its text, which the core words as an
// error for the model.
#include "json/json.h"
#include "llm/adapters.h"
#include "llm/request_util.h"

namespace toolorch::llm {

namespace {

// The messages array, written as text: byte for byte what a cJSON document
// of the same strings printed (json::append_cstring), without an item and
// an allocation per string for transcripts of thousands of messages.
void begin_message(std::string *out, const char *role) {
  if (out->size() > 1) *out += ',';
  *out += "{\"role\":\"";
  *out += role;
  *out += '"';
}

void add_field(std::string *out, const char *key, std::string_view value) {
  *out += ",\"";
  *out += key;
  *out += "\":";
  json::append_cstring(out, value);
}

void assistant_message(std::string *out, const Message &msg) {
  begin_message(out, "assistant");
  if (msg.text.empty() && !msg.tool_calls.empty()) *out += ",\"content\":null";
  else add_field(out, "content", msg.text);
  if (!msg.tool_calls.empty()) {
    *out += ",\"tool_calls\":[";
    bool first = true;
    for (const ToolCall &call : msg.tool_calls) {
      *out += first ? "{\"id\":" : ",{\"id\":";
      first = false;
      json::append_cstring(out, call.id);
      *out += ",\"type\":\"function\",\"function\":{\"name\":";
      json::append_cstring(out, call.name);
      // Replayed as the model sent it (a string, even if it was not JSON).
      add_field(out, "arguments", call.args_json.empty() ? std::string_view("{}") : call.args_json);
      *out += "}}";
    }
    *out += ']';
  }
  *out += '}';
}

// The messages array; only those request.encoded does not hold yet are
// encoded (see EncodedMessages).
std::string messages_json(const Request &request) {
  const RequestMessages msgs(request);
  EncodedMessages local, *st = nullptr;
  size_t i = resume_encoding(request, Protocol::kOpenAI, &local, &st);
  std::string &out = st->text;
  if (i == 0) out = "[";
  while (i < msgs.size()) {
    const Message &msg = msgs[i];
    switch (msg.role) {
      case Message::Role::kSystem:
      case Message::Role::kUser:
        begin_message(&out, msg.role == Message::Role::kSystem ? "system" : "user");
        add_field(&out, "content", msg.text);
        out += '}';
        ++i;
        break;
      case Message::Role::kAssistant:
        assistant_message(&out, msg);
        st->last_assistant = i;
        ++i;
        break;
      case Message::Role::kTool: {
        size_t end = i;
        while (end < msgs.size() && msgs[end].role == Message::Role::kTool) ++end;
        if (end == msgs.size()) mark_tool_run(st, i);
        const std::vector<ToolCall> *last_calls =
            st->last_assistant < msgs.size() ? &msgs[st->last_assistant].tool_calls : nullptr;
        for (const Message *r : ordered_tool_results(msgs, i, end, last_calls)) {
          begin_message(&out, "tool");
          add_field(&out, "tool_call_id", r->tool_call_id);
          add_field(&out, "content", msgs.text(*r));
          out += '}';
        }
        i = end;
        break;
      }
    }
  }
  end_encoding(st, msgs.size());
  std::string closed;
  closed.reserve(out.size() + 1);
  closed += out;
  closed += ']';
  return closed;
}

}  // namespace

bool encode_openai_request(const Request &request, const std::string &max_tokens_field,
                           std::string *body, std::string *err) {
  json::Ptr root(cJSON_CreateObject());
  add_string(root.get(), "model", request.model);
  cJSON_AddRawToObject(root.get(), "messages", messages_json(request).c_str());
  if (!request.tools.empty()) {
    cJSON *tools = cJSON_AddArrayToObject(root.get(), "tools");
    for (const ToolDef &tool : request.tools) {
      json::Ptr schema = schema_object(tool, err);
      if (!schema) return false;
      cJSON *t = cJSON_CreateObject();
      cJSON_AddStringToObject(t, "type", "function");
      cJSON *fn = cJSON_AddObjectToObject(t, "function");
      add_string(fn, "name", tool.name);
      if (!tool.description.empty()) add_string(fn, "description", tool.description);
      cJSON_AddItemToObject(fn, "parameters", schema.release());
      cJSON_AddItemToArray(tools, t);
    }
    // Both are refused by OpenAI when no tools are given.
    const std::string &tc = request.tool_choice;
    if (tc == "auto" || tc == "none" || tc == "required") {
      add_string(root.get(), "tool_choice", tc);
    } else if (!tc.empty()) {  // the name of the one tool to call
      cJSON *choice = cJSON_AddObjectToObject(root.get(), "tool_choice");
      cJSON_AddStringToObject(choice, "type", "function");
      add_string(cJSON_AddObjectToObject(choice, "function"), "name", tc);
    }
    cJSON_AddBoolToObject(root.get(), "parallel_tool_calls", request.parallel_tool_calls);
  }
  if (request.max_tokens > 0)
    cJSON_AddNumberToObject(root.get(), max_tokens_field.empty() ? "max_completion_tokens" : max_tokens_field.c_str(),
                            request.max_tokens);
  cJSON_AddBoolToObject(root.get(), "stream", request.stream);
  if (request.stream) {
    cJSON *opts = cJSON_AddObjectToObject(root.get(), "stream_options");
    cJSON_AddBoolToObject(opts, "include_usage", true);
  }
  *body = json::print(root.get());
  return true;
}

}  // namespace toolorch::llm

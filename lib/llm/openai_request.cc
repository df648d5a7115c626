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

cJSON *role_message(const char *role) {
  cJSON *m = cJSON_CreateObject();
  cJSON_AddStringToObject(m, "role", role);
  return m;
}

cJSON *assistant_message(const Message &msg) {
  cJSON *m = role_message("assistant");
  if (msg.text.empty() && !msg.tool_calls.empty()) cJSON_AddNullToObject(m, "content");
  else add_string(m, "content", msg.text);
  if (!msg.tool_calls.empty()) {
    cJSON *calls = cJSON_AddArrayToObject(m, "tool_calls");
    for (const ToolCall &call : msg.tool_calls) {
      cJSON *c = cJSON_CreateObject();
      add_string(c, "id", call.id);
      cJSON_AddStringToObject(c, "type", "function");
      cJSON *fn = cJSON_AddObjectToObject(c, "function");
      add_string(fn, "name", call.name);
      // Replayed as the model sent it (a string, even if it was not JSON).
      add_string(fn, "arguments", call.args_json.empty() ? std::string_view("{}") : call.args_json);
      cJSON_AddItemToArray(calls, c);
    }
  }
  return m;
}

void add_messages(cJSON *root, const std::vector<Message> &msgs) {
  cJSON *arr = cJSON_AddArrayToObject(root, "messages");
  const std::vector<ToolCall> *last_calls = nullptr;
  for (size_t i = 0; i < msgs.size();) {
    const Message &msg = msgs[i];
    switch (msg.role) {
      case Message::Role::kSystem: {
        cJSON *m = role_message("system");
        add_string(m, "content", msg.text);
        cJSON_AddItemToArray(arr, m);
        ++i;
        break;
      }
      case Message::Role::kUser: {
        cJSON *m = role_message("user");
        add_string(m, "content", msg.text);
        cJSON_AddItemToArray(arr, m);
        ++i;
        break;
      }
      case Message::Role::kAssistant:
        cJSON_AddItemToArray(arr, assistant_message(msg));
        last_calls = &msg.tool_calls;
        ++i;
        break;
      case Message::Role::kTool: {
        size_t end = i;
        while (end < msgs.size() && msgs[end].role == Message::Role::kTool) ++end;
        for (const Message *r : ordered_tool_results(msgs, i, end, last_calls)) {
          cJSON *m = role_message("tool");
          add_string(m, "tool_call_id", r->tool_call_id);
          add_string(m, "content", r->text);
          cJSON_AddItemToArray(arr, m);
        }
        i = end;
        break;
      }
    }
  }
}

}  // namespace

bool encode_openai_request(const Request &request, const std::string &max_tokens_field,
                           std::string *body, std::string *err) {
  json::Ptr root(cJSON_CreateObject());
  add_string(root.get(), "model", request.model);
  add_messages(root.get(), request.messages);
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

// Request -> the JSON body of Anthropic Messages.
//
// - System messages go to the top-level "system" (joined by blank lines).
// - Messages carry content blocks: assistant "text" and "tool_use"
//   {id, name, input}; the tool results of a turn are ONE user message of
//   "tool_result" blocks {tool_use_id, content, is_error}, in the order of
//   the tool_use blocks they answer. Consecutive messages of one role are
//   merged into one (the API wants user and assistant to alternate), and
//   empty text blocks are left out (the API refuses them).
// - "input" must be an object: arguments that were not a JSON object (the
//   model sent invalid JSON) are replayed as {}.
// - tool_choice "auto"/"none"/"required" -> {"type": auto/none/any}; any
//   other value names a tool. parallel_tool_calls = false ->
//   disable_parallel_tool_use.
#include "json/json.h"
#include "llm/adapters.h"
#include "llm/request_util.h"

namespace toolorch::llm {

namespace {

class MessageList {
 public:
  explicit MessageList(cJSON *arr) : arr_(arr) {}

  // The content array of the last message if it has this role, else a new one.
  cJSON *content_for(const char *role) {
    if (last_ && last_role_ == role) return last_content_;
    last_ = cJSON_CreateObject();
    cJSON_AddStringToObject(last_, "role", role);
    last_content_ = cJSON_AddArrayToObject(last_, "content");
    last_role_ = role;
    cJSON_AddItemToArray(arr_, last_);
    return last_content_;
  }

 private:
  cJSON *arr_;
  cJSON *last_ = nullptr;
  cJSON *last_content_ = nullptr;
  std::string last_role_;
};

void add_text_block(cJSON *content, std::string_view text) {
  cJSON *b = cJSON_CreateObject();
  cJSON_AddStringToObject(b, "type", "text");
  add_string(b, "text", text);
  cJSON_AddItemToArray(content, b);
}

cJSON *tool_input(const std::string &args_json) {
  json::Ptr v = json::parse(args_json);
  if (v && cJSON_IsObject(v.get())) return v.release();
  return cJSON_CreateObject();
}

void add_messages(cJSON *root, const std::vector<Message> &msgs) {
  std::string system;
  MessageList list(cJSON_AddArrayToObject(root, "messages"));
  const std::vector<ToolCall> *last_calls = nullptr;
  for (size_t i = 0; i < msgs.size();) {
    const Message &msg = msgs[i];
    switch (msg.role) {
      case Message::Role::kSystem:
        if (!msg.text.empty()) system += (system.empty() ? "" : "\n\n") + msg.text;
        ++i;
        break;
      case Message::Role::kUser:
        if (!msg.text.empty()) add_text_block(list.content_for("user"), msg.text);
        ++i;
        break;
      case Message::Role::kAssistant: {
        if (!msg.text.empty() || !msg.tool_calls.empty()) {
          cJSON *content = list.content_for("assistant");
          if (!msg.text.empty()) add_text_block(content, msg.text);
          for (const ToolCall &call : msg.tool_calls) {
            cJSON *b = cJSON_CreateObject();
            cJSON_AddStringToObject(b, "type", "tool_use");
            add_string(b, "id", call.id);
            add_string(b, "name", call.name);
            cJSON_AddItemToObject(b, "input", tool_input(call.args_json));
            cJSON_AddItemToArray(content, b);
          }
        }
        last_calls = &msg.tool_calls;
        ++i;
        break;
      }
      case Message::Role::kTool: {
        size_t end = i;
        while (end < msgs.size() && msgs[end].role == Message::Role::kTool) ++end;
        cJSON *content = list.content_for("user");
        for (const Message *r : ordered_tool_results(msgs, i, end, last_calls)) {
          cJSON *b = cJSON_CreateObject();
          cJSON_AddStringToObject(b, "type", "tool_result");
          add_string(b, "tool_use_id", r->tool_call_id);
          add_string(b, "content", r->text);
          cJSON_AddBoolToObject(b, "is_error", r->is_error);
          cJSON_AddItemToArray(content, b);
        }
        i = end;
        break;
      }
    }
  }
  if (!system.empty()) add_string(root, "system", system);
}

cJSON *tool_choice(const Request &request) {
  cJSON *choice = nullptr;
  const std::string &tc = request.tool_choice;
  if (!tc.empty()) {
    choice = cJSON_CreateObject();
    if (tc == "auto" || tc == "none") {
      add_string(choice, "type", tc);
    } else if (tc == "required") {
      cJSON_AddStringToObject(choice, "type", "any");
    } else {
      cJSON_AddStringToObject(choice, "type", "tool");
      add_string(choice, "name", tc);
    }
  }
  if (!request.parallel_tool_calls && tc != "none") {
    if (!choice) {
      choice = cJSON_CreateObject();
      cJSON_AddStringToObject(choice, "type", "auto");
    }
    cJSON_AddBoolToObject(choice, "disable_parallel_tool_use", true);
  }
  return choice;
}

}  // namespace

bool encode_anthropic_request(const Request &request, std::string *body, std::string *err) {
  json::Ptr root(cJSON_CreateObject());
  add_string(root.get(), "model", request.model);
  cJSON_AddNumberToObject(root.get(), "max_tokens", request.max_tokens > 0 ? request.max_tokens : 4096);
  add_messages(root.get(), request.messages);
  if (!request.tools.empty()) {
    cJSON *tools = cJSON_AddArrayToObject(root.get(), "tools");
    for (const ToolDef &tool : request.tools) {
      json::Ptr schema = schema_object(tool, err);
      if (!schema) return false;
      cJSON *t = cJSON_CreateObject();
      add_string(t, "name", tool.name);
      if (!tool.description.empty()) add_string(t, "description", tool.description);
      cJSON_AddItemToObject(t, "input_schema", schema.release());
      cJSON_AddItemToArray(tools, t);
    }
    if (cJSON *choice = tool_choice(request)) cJSON_AddItemToObject(root.get(), "tool_choice", choice);
  }
  cJSON_AddBoolToObject(root.get(), "stream", request.stream);
  *body = json::print(root.get());
  return true;
}

}  // namespace toolorch::llm

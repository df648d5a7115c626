// Request -> the JSON body of OpenAI Responses (POST /v1/responses).
//
// Stateless by default (store: false): the whole conversation goes as
// "input" items each round: user messages, the assistant's output items of
// each earlier round (reasoning, message, function_call: replayed from the
// turn's provider_state when it has one, else built from its text and
// calls), and one function_call_output per result, keyed by call_id, in the
// order of the calls. The system prompt is "instructions".
//
// previous_response_id mode (config responses_state): store: true, and the
// input holds only what follows the last assistant turn that carries a
// response id; the server has the rest.
//
// Reasoning items are sent back as the API requires: with store: false only
// those that carry encrypted_content can be (the server kept nothing to find
// by id), so the others are left out; ask for encrypted_content with
// responses_encrypted_reasoning.
#include "json/json.h"
#include "llm/adapters.h"
#include "llm/request_util.h"

namespace toolorch::llm {

namespace {

cJSON *text_message(const char *role, const std::string &text) {
  cJSON *m = cJSON_CreateObject();
  cJSON_AddStringToObject(m, "type", "message");
  cJSON_AddStringToObject(m, "role", role);
  add_string(m, "content", text);
  return m;
}

void add_assistant_built(cJSON *input, const Message &msg) {
  if (!msg.text.empty()) {
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "type", "message");
    cJSON_AddStringToObject(m, "role", "assistant");
    cJSON *content = cJSON_AddArrayToObject(m, "content");
    cJSON *part = cJSON_CreateObject();
    cJSON_AddStringToObject(part, "type", "output_text");
    add_string(part, "text", msg.text);
    cJSON_AddItemToArray(content, part);
    cJSON_AddItemToArray(input, m);
  }
  for (const ToolCall &call : msg.tool_calls) {
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", "function_call");
    add_string(c, "call_id", call.id);
    add_string(c, "name", call.name);
    add_string(c, "arguments", call.args_json.empty() ? std::string_view("{}") : call.args_json);
    cJSON_AddItemToArray(input, c);
  }
}

// The turn's own output items, as the server sent them; false when it has
// none (a turn the user gave).
bool add_assistant_replayed(cJSON *input, const Message &msg) {
  if (msg.provider_state.empty()) return false;
  json::Ptr state = parse_state(msg.provider_state);
  const cJSON *output = cJSON_GetObjectItemCaseSensitive(state.get(), "output");
  if (!cJSON_IsArray(output)) return false;
  for (const cJSON *item = output->child; item; item = item->next) {
    const char *type = json::get_string(item, "type", "");
    if (std::string_view(type) == "reasoning" && !cJSON_GetObjectItemCaseSensitive(item, "encrypted_content"))
      continue;  // not persisted under store:false: the server could not find it
    cJSON *copy = cJSON_Duplicate(item, true);
    // Items are referred to by content, not by the ids of a store we did
    // not ask for (reasoning keeps its id: it goes with its encrypted content).
    if (std::string_view(type) != "reasoning") {
      cJSON_DeleteItemFromObjectCaseSensitive(copy, "id");
      cJSON_DeleteItemFromObjectCaseSensitive(copy, "status");
    }
    cJSON_AddItemToArray(input, copy);
  }
  return true;
}

std::string response_id_of(const Message &msg) {
  if (msg.role != Message::Role::kAssistant || msg.provider_state.empty()) return "";
  json::Ptr state = parse_state(msg.provider_state);
  const char *id = json::get_string(state.get(), "id");
  return id ? id : "";
}

void add_input(cJSON *root, const Request &request, bool chain) {
  const RequestMessages msgs(request);
  size_t from = 0;
  if (chain) {  // previous_response_id: only what the server has not seen
    for (size_t i = msgs.size(); i-- > 0;) {
      std::string id = response_id_of(msgs[i]);
      if (!id.empty()) {
        add_string(root, "previous_response_id", id);
        from = i + 1;
        break;
      }
    }
  }
  std::string instructions;
  for (const Message &m : msgs)
    if (m.role == Message::Role::kSystem) instructions += (instructions.empty() ? "" : "\n\n") + m.text;
  if (!instructions.empty()) add_string(root, "instructions", instructions);

  cJSON *input = cJSON_AddArrayToObject(root, "input");
  const std::vector<ToolCall> *last_calls = nullptr;
  for (size_t i = 0; i < msgs.size(); ++i)
    if (i < from && msgs[i].role == Message::Role::kAssistant) last_calls = &msgs[i].tool_calls;
  for (size_t i = from; i < msgs.size();) {
    const Message &msg = msgs[i];
    switch (msg.role) {
      case Message::Role::kSystem: ++i; break;
      case Message::Role::kUser:
        cJSON_AddItemToArray(input, text_message("user", msg.text));
        ++i;
        break;
      case Message::Role::kAssistant:
        if (!add_assistant_replayed(input, msg)) add_assistant_built(input, msg);
        last_calls = &msg.tool_calls;
        ++i;
        break;
      case Message::Role::kTool: {
        size_t end = i;
        while (end < msgs.size() && msgs[end].role == Message::Role::kTool) ++end;
        for (const Message *r : ordered_tool_results(msgs, i, end, last_calls)) {
          cJSON *o = cJSON_CreateObject();
          cJSON_AddStringToObject(o, "type", "function_call_output");
          add_string(o, "call_id", r->tool_call_id);
          add_string(o, "output", msgs.text(*r));
          cJSON_AddItemToArray(input, o);
        }
        i = end;
        break;
      }
    }
  }
}

}  // namespace

bool encode_responses_request(const ProviderConfig &config, const Request &request, std::string *body,
                              std::string *err) {
  json::Ptr root(cJSON_CreateObject());
  add_string(root.get(), "model", request.model);
  add_input(root.get(), request, config.responses_previous_id);
  if (!request.tools.empty()) {
    cJSON *tools = cJSON_AddArrayToObject(root.get(), "tools");
    for (const ToolDef &tool : request.tools) {
      json::Ptr schema = schema_object(tool, err);
      if (!schema) return false;
      cJSON *t = cJSON_CreateObject();
      cJSON_AddStringToObject(t, "type", "function");
      add_string(t, "name", tool.name);
      if (!tool.description.empty()) add_string(t, "description", tool.description);
      cJSON_AddItemToObject(t, "parameters", schema.release());
      // Strict mode rewrites what a schema may say; the core validates.
      cJSON_AddBoolToObject(t, "strict", false);
      cJSON_AddItemToArray(tools, t);
    }
    const std::string &tc = request.tool_choice;
    if (tc == "auto" || tc == "none" || tc == "required") {
      add_string(root.get(), "tool_choice", tc);
    } else if (!tc.empty()) {
      cJSON *choice = cJSON_AddObjectToObject(root.get(), "tool_choice");
      cJSON_AddStringToObject(choice, "type", "function");
      add_string(choice, "name", tc);
    }
    cJSON_AddBoolToObject(root.get(), "parallel_tool_calls", request.parallel_tool_calls);
  }
  if (request.max_tokens > 0) cJSON_AddNumberToObject(root.get(), "max_output_tokens", request.max_tokens);
  cJSON_AddBoolToObject(root.get(), "store", config.responses_previous_id);
  if (config.responses_encrypted_reasoning) {
    cJSON *include = cJSON_AddArrayToObject(root.get(), "include");
    cJSON_AddItemToArray(include, cJSON_CreateString("reasoning.encrypted_content"));
  }
  cJSON_AddBoolToObject(root.get(), "stream", request.stream);
  *body = json::print(root.get());
  return true;
}

}  // namespace toolorch::llm

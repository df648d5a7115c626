// Request -> the JSON body of Gemini generateContent / streamGenerateContent.
//
// The system prompt is systemInstruction; user turns are "user" contents;
// an assistant turn is a "model" content: its parts exactly as the model
// sent them when the turn carries them (provider_state: thought signatures
// go back byte for byte, on the parts they came on), else built from its
// text and calls (each call's signature, if any, on its functionCall part).
// The results of one turn form one "user" content of functionResponse parts,
// in the order of the calls: {"name", "id" (when the model gave the call an
// id), "response": {"result": text} or {"error": text}}.
// Tools are one {"functionDeclarations": [...]} entry (schemas translated:
// gemini_schema.cc); tool_choice maps to toolConfig.functionCallingConfig
// (auto AUTO, none NONE, required ANY, a name ANY + allowedFunctionNames);
// max_tokens is generationConfig.maxOutputTokens. Gemini has no switch for
// parallel calls: parallel_tool_calls is not sent.
#include "json/json.h"
#include "llm/adapters.h"
#include "llm/request_util.h"

namespace toolorch::llm {

namespace {

cJSON *content(const char *role) {
  cJSON *c = cJSON_CreateObject();
  cJSON_AddStringToObject(c, "role", role);
  cJSON_AddArrayToObject(c, "parts");
  return c;
}

void add_text_part(cJSON *c, const std::string &text) {
  cJSON *part = cJSON_CreateObject();
  add_string(part, "text", text);
  cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(c, "parts"), part);
}

// Ids we made up for calls the model sent without one: never sent back.
bool model_gave_id(const std::string &id) { return !id.empty() && id.rfind("toolorch-gemini-", 0) != 0; }

cJSON *model_content(const Message &msg) {
  if (!msg.provider_state.empty()) {
    json::Ptr state = parse_state(msg.provider_state);
    const cJSON *parts = cJSON_GetObjectItemCaseSensitive(state.get(), "parts");
    if (cJSON_IsArray(parts) && parts->child) {
      cJSON *c = cJSON_CreateObject();
      cJSON_AddStringToObject(c, "role", "model");
      cJSON_AddItemToObject(c, "parts", cJSON_Duplicate(parts, true));
      return c;
    }
  }
  cJSON *c = content("model");
  if (!msg.text.empty()) add_text_part(c, msg.text);
  for (const ToolCall &call : msg.tool_calls) {
    cJSON *part = cJSON_CreateObject();
    cJSON *fc = cJSON_AddObjectToObject(part, "functionCall");
    add_string(fc, "name", call.name);
    json::Ptr args = json::parse(call.args_json.empty() ? "{}" : call.args_json);
    // Arguments that were not an object go back as an empty one: Gemini
    // takes nothing else (the result told the model what was wrong).
    cJSON_AddItemToObject(fc, "args", args && cJSON_IsObject(args.get()) ? args.release() : cJSON_CreateObject());
    if (model_gave_id(call.id)) add_string(fc, "id", call.id);
    if (!call.signature.empty()) add_string(part, "thoughtSignature", call.signature);
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(c, "parts"), part);
  }
  return c;
}

void add_contents(cJSON *root, const RequestMessages &msgs) {
  std::string system;
  for (const Message &m : msgs)
    if (m.role == Message::Role::kSystem) system += (system.empty() ? "" : "\n\n") + m.text;
  if (!system.empty()) {
    cJSON *si = cJSON_AddObjectToObject(root, "systemInstruction");
    cJSON *parts = cJSON_AddArrayToObject(si, "parts");
    cJSON *p = cJSON_CreateObject();
    add_string(p, "text", system);
    cJSON_AddItemToArray(parts, p);
  }
  cJSON *contents = cJSON_AddArrayToObject(root, "contents");
  const std::vector<ToolCall> *last_calls = nullptr;
  for (size_t i = 0; i < msgs.size();) {
    const Message &msg = msgs[i];
    switch (msg.role) {
      case Message::Role::kSystem: ++i; break;
      case Message::Role::kUser: {
        cJSON *c = content("user");
        add_text_part(c, msg.text);
        cJSON_AddItemToArray(contents, c);
        ++i;
        break;
      }
      case Message::Role::kAssistant:
        cJSON_AddItemToArray(contents, model_content(msg));
        last_calls = &msg.tool_calls;
        ++i;
        break;
      case Message::Role::kTool: {
        size_t end = i;
        while (end < msgs.size() && msgs[end].role == Message::Role::kTool) ++end;
        cJSON *c = content("user");
        cJSON *parts = cJSON_GetObjectItemCaseSensitive(c, "parts");
        for (const Message *r : ordered_tool_results(msgs, i, end, last_calls)) {
          cJSON *part = cJSON_CreateObject();
          cJSON *fr = cJSON_AddObjectToObject(part, "functionResponse");
          add_string(fr, "name", r->tool_name);
          if (model_gave_id(r->tool_call_id)) add_string(fr, "id", r->tool_call_id);
          cJSON *resp = cJSON_AddObjectToObject(fr, "response");
          add_string(resp, r->is_error ? "error" : "result", msgs.text(*r));
          cJSON_AddItemToArray(parts, part);
        }
        cJSON_AddItemToArray(contents, c);
        i = end;
        break;
      }
    }
  }
}

}  // namespace

bool encode_gemini_request(const Request &request, std::string *body, std::string *err) {
  json::Ptr root(cJSON_CreateObject());
  add_contents(root.get(), RequestMessages(request));
  if (!request.tools.empty()) {
    cJSON *tools = cJSON_AddArrayToObject(root.get(), "tools");
    cJSON *entry = cJSON_CreateObject();
    cJSON *decls = cJSON_AddArrayToObject(entry, "functionDeclarations");
    cJSON_AddItemToArray(tools, entry);
    for (const ToolDef &tool : request.tools) {
      json::Ptr schema = schema_object(tool, err);
      if (!schema) return false;
      cJSON *d = cJSON_CreateObject();
      add_string(d, "name", tool.name);
      if (!tool.description.empty()) add_string(d, "description", tool.description);
      json::Ptr params = gemini_schema(schema.get());
      // A function without parameters declares none (an OBJECT with no
      // properties is refused).
      const cJSON *props = cJSON_GetObjectItemCaseSensitive(params.get(), "properties");
      if (cJSON_IsObject(props) && props->child) cJSON_AddItemToObject(d, "parameters", params.release());
      cJSON_AddItemToArray(decls, d);
    }
    const std::string &tc = request.tool_choice;
    if (!tc.empty()) {
      cJSON *fcc = cJSON_AddObjectToObject(cJSON_AddObjectToObject(root.get(), "toolConfig"), "functionCallingConfig");
      if (tc == "auto") {
        cJSON_AddStringToObject(fcc, "mode", "AUTO");
      } else if (tc == "none") {
        cJSON_AddStringToObject(fcc, "mode", "NONE");
      } else if (tc == "required") {
        cJSON_AddStringToObject(fcc, "mode", "ANY");
      } else {
        cJSON_AddStringToObject(fcc, "mode", "ANY");
        cJSON *names = cJSON_AddArrayToObject(fcc, "allowedFunctionNames");
        cJSON_AddItemToArray(names, cJSON_CreateString(tc.c_str()));
      }
    }
  }
  if (request.max_tokens > 0) {
    cJSON *gc = cJSON_AddObjectToObject(root.get(), "generationConfig");
    cJSON_AddNumberToObject(gc, "maxOutputTokens", request.max_tokens);
  }
  *body = json::print(root.get());
  return true;
}

}  // namespace toolorch::llm

#include "mockllm/request.h"

#include <cjson/cJSON.h>

#include <memory>

namespace toolorch::mockllm {
namespace {

struct CJsonDeleter {
  void operator()(cJSON *p) const { cJSON_Delete(p); }
};

bool role_is(const cJSON *msg, const char *role) {
  const cJSON *r = cJSON_GetObjectItemCaseSensitive(msg, "role");
  return cJSON_IsString(r) && std::string_view(r->valuestring) == role;
}

// Content given as a string or as an array of {"type":"text","text":...}
// parts: the text parts joined.
std::string content_text(const cJSON *content) {
  if (cJSON_IsString(content)) return content->valuestring;
  std::string out;
  if (!cJSON_IsArray(content)) return out;
  for (const cJSON *part = content->child; part; part = part->next) {
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(part, "text");
    if (cJSON_IsString(text)) out += text->valuestring;
  }
  return out;
}

const char *string_or(const cJSON *obj, const char *key, const char *fallback) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsString(v) ? v->valuestring : fallback;
}

void read_openai(const cJSON *messages, int last_assistant, ParsedRequest *out) {
  int i = 0;
  for (const cJSON *m = messages->child; m; m = m->next, ++i) {
    if (i == last_assistant) {
      const cJSON *calls = cJSON_GetObjectItemCaseSensitive(m, "tool_calls");
      if (cJSON_IsArray(calls))
        for (const cJSON *c = calls->child; c; c = c->next) out->last_call_ids.push_back(string_or(c, "id", ""));
    } else if (i > last_assistant && role_is(m, "tool")) {
      ToolResult r;
      r.call_id = string_or(m, "tool_call_id", "");
      r.content = content_text(cJSON_GetObjectItemCaseSensitive(m, "content"));
      out->results.push_back(std::move(r));
    }
  }
}

void read_anthropic(const cJSON *messages, int last_assistant, ParsedRequest *out) {
  int i = 0;
  for (const cJSON *m = messages->child; m; m = m->next, ++i) {
    if (i < last_assistant) continue;
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(m, "content");
    if (!cJSON_IsArray(content)) continue;
    for (const cJSON *b = content->child; b; b = b->next) {
      const char *type = string_or(b, "type", "");
      if (i == last_assistant && std::string_view(type) == "tool_use") {
        out->last_call_ids.push_back(string_or(b, "id", ""));
      } else if (i > last_assistant && std::string_view(type) == "tool_result") {
        ToolResult r;
        r.call_id = string_or(b, "tool_use_id", "");
        r.content = content_text(cJSON_GetObjectItemCaseSensitive(b, "content"));
        r.is_error = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "is_error"));
        out->results.push_back(std::move(r));
      }
    }
  }
}

}  // namespace

const char *protocol_name(Protocol p) { return p == Protocol::kOpenAI ? "openai" : "anthropic"; }

bool parse_request(Protocol protocol, std::string_view body, ParsedRequest *out, std::string *err) {
  std::unique_ptr<cJSON, CJsonDeleter> root(cJSON_ParseWithLength(body.data(), body.size()));
  if (!root || !cJSON_IsObject(root.get())) {
    *err = "the request body is not a JSON object";
    return false;
  }
  const cJSON *messages = cJSON_GetObjectItemCaseSensitive(root.get(), "messages");
  if (!cJSON_IsArray(messages)) {
    *err = "messages: must be an array";
    return false;
  }
  ParsedRequest r;
  r.protocol = protocol;
  r.body_bytes = body.size();
  r.model = string_or(root.get(), "model", "mock-model");
  r.stream = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root.get(), "stream"));
  const cJSON *so = cJSON_GetObjectItemCaseSensitive(root.get(), "stream_options");
  r.include_usage = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(so, "include_usage"));
  int last_assistant = -1, i = 0;
  for (const cJSON *m = messages->child; m; m = m->next, ++i) {
    if (!cJSON_IsObject(m)) {
      *err = "messages[" + std::to_string(i) + "]: must be an object";
      return false;
    }
    if (role_is(m, "assistant")) {
      ++r.assistant_turns;
      last_assistant = i;
    }
  }
  if (protocol == Protocol::kOpenAI)
    read_openai(messages, last_assistant, &r);
  else
    read_anthropic(messages, last_assistant, &r);
  *out = std::move(r);
  return true;
}

}  // namespace toolorch::mockllm

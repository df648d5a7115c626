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

// Responses: an assistant turn is a run of output items (reasoning,
// message with role assistant, function_call); results are the
// function_call_output items after the last one.
bool assistant_item(const cJSON *item) {
  std::string_view type = string_or(item, "type", "");
  if (type == "function_call" || type == "reasoning") return true;
  return role_is(item, "assistant");
}

void read_responses(const cJSON *input, ParsedRequest *out) {
  const cJSON *last_start = nullptr;
  bool in_turn = false;
  for (const cJSON *it = input->child; it; it = it->next) {
    bool a = assistant_item(it);
    if (a && !in_turn) {
      ++out->assistant_turns;
      last_start = it;
    }
    in_turn = a;
  }
  bool after = last_start == nullptr;  // chained: everything given is new
  for (const cJSON *it = input->child; it; it = it->next) {
    if (it == last_start) after = true;
    if (!after) continue;
    std::string_view type = string_or(it, "type", "");
    if (type == "function_call") {
      out->last_call_ids.push_back(string_or(it, "call_id", ""));
    } else if (type == "function_call_output") {
      ToolResult r;
      r.call_id = string_or(it, "call_id", "");
      r.content = content_text(cJSON_GetObjectItemCaseSensitive(it, "output"));
      out->results.push_back(std::move(r));
    }
  }
}

void read_gemini(const cJSON *contents, ParsedRequest *out) {
  const cJSON *last_model = nullptr;
  for (const cJSON *c = contents->child; c; c = c->next) {
    if (role_is(c, "model")) {
      ++out->assistant_turns;
      last_model = c;
    }
  }
  bool after = last_model == nullptr;
  for (const cJSON *c = contents->child; c; c = c->next) {
    if (c == last_model) after = true;
    if (!after) continue;
    const cJSON *parts = cJSON_GetObjectItemCaseSensitive(c, "parts");
    for (const cJSON *p = cJSON_IsArray(parts) ? parts->child : nullptr; p; p = p->next) {
      const cJSON *fc = cJSON_GetObjectItemCaseSensitive(p, "functionCall");
      const cJSON *fr = cJSON_GetObjectItemCaseSensitive(p, "functionResponse");
      if (c == last_model && cJSON_IsObject(fc)) {
        out->last_call_ids.push_back(string_or(fc, "id", ""));
        out->last_call_signatures.emplace_back(string_or(fc, "id", ""), string_or(p, "thoughtSignature", ""));
      } else if (c != last_model && cJSON_IsObject(fr)) {
        ToolResult r;
        r.call_id = string_or(fr, "id", "");
        const cJSON *resp = cJSON_GetObjectItemCaseSensitive(fr, "response");
        const cJSON *err = cJSON_GetObjectItemCaseSensitive(resp, "error");
        const cJSON *res = cJSON_GetObjectItemCaseSensitive(resp, "result");
        if (err) {
          r.is_error = true;
          r.content = cJSON_IsString(err) ? err->valuestring : "";
        } else if (cJSON_IsString(res)) {
          r.content = res->valuestring;
        } else if (resp) {
          char *printed = cJSON_PrintUnformatted(resp);
          if (printed) r.content = printed;
          cJSON_free(printed);
        }
        out->results.push_back(std::move(r));
      }
    }
  }
}

}  // namespace

const char *protocol_name(Protocol p) {
  switch (p) {
    case Protocol::kOpenAI: return "openai";
    case Protocol::kAnthropic: return "anthropic";
    case Protocol::kOpenAIResponses: return "openai_responses";
    case Protocol::kGemini: return "gemini";
  }
  return "openai";
}

int responses_round_of(std::string_view id) {
  size_t r = id.rfind("_r");
  if (r == std::string_view::npos || r + 2 >= id.size() || id.size() - r > 8) return -1;
  int n = 0;
  for (char c : id.substr(r + 2)) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

bool parse_request(Protocol protocol, std::string_view body, ParsedRequest *out, std::string *err,
                   const RequestTarget &target) {
  std::unique_ptr<cJSON, CJsonDeleter> root(cJSON_ParseWithLength(body.data(), body.size()));
  if (!root || !cJSON_IsObject(root.get())) {
    *err = "the request body is not a JSON object";
    return false;
  }
  if (protocol == Protocol::kOpenAIResponses || protocol == Protocol::kGemini) {
    const bool gem = protocol == Protocol::kGemini;
    const cJSON *conv = cJSON_GetObjectItemCaseSensitive(root.get(), gem ? "contents" : "input");
    ParsedRequest r;
    r.protocol = protocol;
    r.body_bytes = body.size();
    if (gem) {
      if (!cJSON_IsArray(conv)) {
        *err = "contents: must be an array";
        return false;
      }
      r.model = target.model.empty() ? "mock-model" : target.model;
      r.stream = target.stream;
      read_gemini(conv, &r);
    } else {
      if (!cJSON_IsArray(conv) && !cJSON_IsString(conv)) {
        *err = "input: must be a string or an array";
        return false;
      }
      r.model = string_or(root.get(), "model", "mock-model");
      r.stream = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root.get(), "stream"));
      if (cJSON_IsArray(conv)) read_responses(conv, &r);
      // Chained rounds: the rounds before are the server's, named by the id.
      const int prev = responses_round_of(string_or(root.get(), "previous_response_id", ""));
      if (prev >= 0) r.assistant_turns += prev + 1;
    }
    *out = std::move(r);
    return true;
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

#include "llm/request_util.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

namespace toolorch::llm {

namespace {

std::string lower_name(std::string_view header) {
  std::string name(header.substr(0, header.find(':')));
  while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
  for (char &c : name)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return name;
}

}  // namespace

namespace {

struct SplitUrl {
  std::string origin;  // scheme://host[:port]
  std::string path;    // "" or "/..." without a trailing "/"
  std::string query;   // "" or "?..."
};

SplitUrl split_url(std::string_view url) {
  SplitUrl u;
  size_t q = url.find('?');
  if (q != std::string_view::npos) {
    u.query = std::string(url.substr(q));
    url = url.substr(0, q);
  }
  size_t scheme = url.find("://");
  size_t slash = url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  u.origin = std::string(url.substr(0, slash));
  if (slash != std::string_view::npos) u.path = std::string(url.substr(slash));
  while (!u.path.empty() && u.path.back() == '/') u.path.pop_back();
  return u;
}

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

void add_query(std::string *query, std::string_view param) {
  *query += query->empty() ? "?" : "&";
  *query += param;
}

std::string escape_path_segment(std::string_view s) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

}  // namespace

std::string endpoint_url(std::string_view base_url, std::string_view default_base, std::string_view prefix,
                         std::string_view suffix) {
  SplitUrl u = split_url(base_url.empty() ? default_base : base_url);
  if (u.path.empty()) return u.origin + std::string(prefix) + std::string(suffix) + u.query;
  if (ends_with(u.path, suffix)) return u.origin + u.path + u.query;
  return u.origin + u.path + std::string(suffix) + u.query;
}

std::string gemini_endpoint_url(std::string_view base_url, std::string_view model, bool stream) {
  SplitUrl u = split_url(base_url.empty() ? "https://generativelanguage.googleapis.com" : base_url);
  const char *method = stream ? ":streamGenerateContent" : ":generateContent";
  size_t colon = u.path.rfind(':');
  std::string tail = colon == std::string::npos ? "" : u.path.substr(colon);
  if (tail == ":generateContent" || tail == ":streamGenerateContent") {
    u.path = u.path.substr(0, colon) + method;  // the full endpoint
  } else {
    // "models/gemini-2.5-flash" and "gemini-2.5-flash" name the same model.
    std::string_view m = model;
    if (m.substr(0, 7) == "models/") m.remove_prefix(7);
    if (u.path.empty()) u.path = "/v1beta";
    u.path += "/models/" + escape_path_segment(m) + method;
  }
  if (stream && u.query.find("alt=sse") == std::string::npos) add_query(&u.query, "alt=sse");
  return u.origin + u.path + u.query;
}

std::vector<std::string> merge_headers(std::vector<std::string> defaults,
                                       const std::vector<std::string> &extras) {
  for (const auto &extra : extras) {
    std::string name = lower_name(extra);
    defaults.erase(std::remove_if(defaults.begin(), defaults.end(),
                                  [&](const std::string &d) { return lower_name(d) == name; }),
                   defaults.end());
  }
  defaults.insert(defaults.end(), extras.begin(), extras.end());
  return defaults;
}

json::Ptr schema_object(const ToolDef &tool, std::string *err) {
  if (tool.schema_json.empty()) {
    json::Ptr obj(cJSON_CreateObject());
    cJSON_AddStringToObject(obj.get(), "type", "object");
    return obj;
  }
  std::string why;
  json::Ptr doc = json::parse(tool.schema_json, &why);
  if (!doc || !cJSON_IsObject(doc.get())) {
    if (err) *err = "the schema of tool \"" + tool.name + "\" is not a JSON object" + (why.empty() ? "" : ": " + why);
    return nullptr;
  }
  return doc;
}

std::vector<const Message *> ordered_tool_results(const RequestMessages &msgs, size_t begin,
                                                  size_t end, const std::vector<ToolCall> *calls) {
  std::vector<const Message *> out;
  out.reserve(end - begin);
  std::vector<bool> taken(end - begin, false);
  if (calls) {
    // Each call takes the first result with its id not taken yet. A chain of
    // the results of each id, in order, makes that O(1) a call instead of a
    // scan of the whole run (rounds of thousands of calls).
    constexpr size_t kNone = static_cast<size_t>(-1);
    std::vector<size_t> next_same(end - begin, kNone);
    std::unordered_map<std::string_view, size_t> first;
    first.reserve(end - begin);
    for (size_t i = end; i-- > begin;) {
      auto [it, fresh] = first.try_emplace(msgs[i].tool_call_id, i);
      if (!fresh) {
        next_same[i - begin] = it->second;
        it->second = i;
      }
    }
    for (const ToolCall &call : *calls) {
      auto it = first.find(call.id);
      if (it == first.end() || it->second == kNone) continue;
      size_t i = it->second;
      it->second = next_same[i - begin];
      taken[i - begin] = true;
      out.push_back(&msgs[i]);
    }
  }
  for (size_t i = begin; i < end; ++i)
    if (!taken[i - begin]) out.push_back(&msgs[i]);
  return out;
}

size_t resume_encoding(const Request &request, Protocol protocol, EncodedMessages *local,
                       EncodedMessages **state) {
  EncodedMessages *c = request.encoded ? request.encoded : local;
  *state = c;
  const RequestMessages msgs(request);
  if (!c->valid || c->protocol != protocol || c->count > msgs.size()) {
    *c = EncodedMessages();
    c->protocol = protocol;
    c->valid = true;
    c->run_start = static_cast<size_t>(-1);
    return 0;
  }
  if (c->count == msgs.size()) return c->count;  // nothing new (a retry): the run mark stays
  if (c->run_start < c->count && msgs[c->count].role == Message::Role::kTool) {
    // The trailing run of tool results grew: encoded again from its start.
    c->count = c->run_start;
    c->text.resize(c->run_text);
    c->system.resize(c->run_system);
    c->last_assistant = c->run_last_assistant;
    c->open = c->run_open;
    c->last_role = c->run_last_role;
  }
  c->run_start = static_cast<size_t>(-1);
  return c->count;
}

void mark_tool_run(EncodedMessages *state, size_t run_start) {
  state->run_start = run_start;
  state->run_text = state->text.size();
  state->run_system = state->system.size();
  state->run_last_assistant = state->last_assistant;
  state->run_open = state->open;
  state->run_last_role = state->last_role;
}

void end_encoding(EncodedMessages *state, size_t count) {
  state->count = count;
  if (state->run_start == static_cast<size_t>(-1)) mark_tool_run(state, count);
}

json::Ptr parse_state(const std::string &state) {
  json::Limits limits;
  limits.max_bytes = 64u << 20;
  limits.max_depth = 160;
  return json::parse(state, limits, nullptr);
}

void add_string(cJSON *obj, const char *key, std::string_view s) {
  // cJSON wants a NUL-terminated string; text may hold anything.
  cJSON_AddItemToObject(obj, key, cJSON_CreateString(std::string(s).c_str()));
}

}  // namespace toolorch::llm

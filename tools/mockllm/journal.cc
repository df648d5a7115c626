#include "mockllm/journal.h"

#include "mockllm/text_util.h"

namespace toolorch::mockllm {
namespace {

void add_key(std::string *s, const char *key) {
  append_json_string(s, key);
  s->push_back(':');
}

void add_str(std::string *s, const char *key, const std::string &v) {
  add_key(s, key);
  append_json_string(s, v);
}

void add_ids(std::string *s, const char *key, const std::vector<std::string> &ids) {
  add_key(s, key);
  s->push_back('[');
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) s->push_back(',');
    append_json_string(s, ids[i]);
  }
  s->push_back(']');
}

}  // namespace

std::string Journal::to_json_members() const {
  std::string s;
  add_key(&s, "requests");
  s.push_back('[');
  for (size_t i = 0; i < requests.size(); ++i) {
    const Request &r = requests[i];
    if (i) s.push_back(',');
    s += "{";
    add_str(&s, "protocol", r.protocol);
    s += ",";
    add_str(&s, "model", r.model);
    s += std::string(",\"stream\":") + (r.stream ? "true" : "false") + ",\"bad\":" + (r.bad ? "true" : "false") +
         ",\"round\":" + std::to_string(r.round) + ",";
    add_ids(&s, "faults", r.faults);
    s += ",\"results\":" + std::to_string(r.results) + ",\"calls\":" + std::to_string(r.calls) + "}";
  }
  s += "],";
  add_key(&s, "calls");
  s.push_back('[');
  for (size_t i = 0; i < calls.size(); ++i) {
    const Call &c = calls[i];
    if (i) s.push_back(',');
    s += "{";
    add_str(&s, "id", c.id);
    s += ",";
    add_str(&s, "name", c.name);
    s += ",";
    add_str(&s, "arguments", c.arguments);
    s += ",\"round\":" + std::to_string(c.round) + ",\"request\":" + std::to_string(c.request) + "}";
  }
  s += "],";
  add_key(&s, "results");
  s.push_back('[');
  for (size_t i = 0; i < results.size(); ++i) {
    const Result &r = results[i];
    if (i) s.push_back(',');
    s += "{";
    add_str(&s, "call_id", r.call_id);
    s += ",";
    add_str(&s, "content", r.content);
    s += std::string(",\"is_error\":") + (r.is_error ? "true" : "false") + ",\"known\":" + (r.known ? "true" : "false") +
         ",\"request\":" + std::to_string(r.request) + "}";
  }
  s += "],";
  add_ids(&s, "unknown_result_ids", unknown_result_ids);
  s += ",";
  add_ids(&s, "duplicate_result_ids", duplicate_result_ids);
  s += ",";
  add_ids(&s, "missing_result_ids", missing_result_ids);
  s += std::string(",\"truncated\":") + (truncated ? "true" : "false");
  return s;
}

}  // namespace toolorch::mockllm

#include "config.h"

#include <toolorch/tool.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "json/json.h"

namespace toolorch::cli {
namespace {

std::string print(const cJSON *v) {
  char *s = cJSON_PrintUnformatted(v);
  std::string out = s ? s : "";
  cJSON_free(s);
  return out;
}

// Every unknown key of obj into *errors (with a near known key, if any);
// the caller goes on checking the rest.
void check_keys(const cJSON *obj, const std::string &where, const std::set<std::string> &known,
                std::vector<std::string> *errors) {
  std::vector<std::string> names(known.begin(), known.end());
  for (const cJSON *it = obj->child; it; it = it->next) {
    if (!known.count(it->string))
      errors->push_back((where.empty() ? "" : where + ": ") + "unknown key \"" + std::string(it->string) + "\"" +
                        did_you_mean(it->string, names));
  }
}

std::string at(const std::string &where, const char *key) { return where.empty() ? key : where + "." + key; }

bool get_string(const cJSON *obj, const char *key, const std::string &where, std::string *out, std::string *err,
                bool required = false) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (!v) {
    if (required) *err = at(where, key) + ": required";
    return !required;
  }
  if (!cJSON_IsString(v)) {
    *err = at(where, key) + ": must be a string";
    return false;
  }
  *out = v->valuestring;
  return true;
}

bool get_int(const cJSON *obj, const char *key, const std::string &where, int64_t lo, int64_t hi, int64_t *out,
             std::string *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (!v) return true;
  if (!cJSON_IsNumber(v) || std::floor(v->valuedouble) != v->valuedouble || v->valuedouble < double(lo) ||
      v->valuedouble > double(hi)) {
    *err = at(where, key) + ": must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi);
    return false;
  }
  *out = static_cast<int64_t>(v->valuedouble);
  return true;
}

bool get_object(cJSON *root, const char *key, JsonPtr *out, std::string *err) {
  cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(root, key);
  if (!v) {
    out->reset(cJSON_CreateObject());
    return true;
  }
  if (!cJSON_IsObject(v)) {
    cJSON_Delete(v);
    out->reset(cJSON_CreateObject());  // the rest is still checked
    *err = std::string(key) + ": must be an object";
    return false;
  }
  out->reset(v);
  return true;
}

bool parse_retry(const cJSON *v, const std::string &where, RetryConfig *r, std::string *err,
                 std::vector<std::string> *errors) {
  if (!cJSON_IsObject(v)) {
    *err = where + ": must be an object";
    return false;
  }
  check_keys(v, where, {"attempts", "backoff", "base_ms", "max_ms"}, errors);
  int64_t attempts = 0;
  if (!get_int(v, "attempts", where, 0, 1000, &attempts, err)) return false;
  r->attempts = static_cast<int>(attempts);
  std::string backoff = "exponential";
  if (!get_string(v, "backoff", where, &backoff, err)) return false;
  if (backoff == "exponential") r->backoff = TOOLORCH_BACKOFF_EXPONENTIAL;
  else if (backoff == "linear") r->backoff = TOOLORCH_BACKOFF_LINEAR;
  else if (backoff == "fixed") r->backoff = TOOLORCH_BACKOFF_FIXED;
  else {
    *err = where + ".backoff: must be \"exponential\", \"linear\" or \"fixed\"";
    return false;
  }
  if (!get_int(v, "base_ms", where, 0, INT64_C(3600000), &r->base_ms, err)) return false;
  if (!get_int(v, "max_ms", where, 0, INT64_C(3600000), &r->max_ms, err)) return false;
  if (r->max_ms < r->base_ms) {
    *err = where + ": max_ms must not be below base_ms";
    return false;
  }
  return true;
}

bool parse_http(const cJSON *v, const std::string &where, ToolConfig *t, std::string *err,
                std::vector<std::string> *errors) {
  if (!cJSON_IsObject(v)) {
    *err = where + ": must be an object {\"url\": ..., \"headers\": {...}}";
    return false;
  }
  check_keys(v, where, {"url", "headers", "comment"}, errors);
  std::string url;
  if (!get_string(v, "url", where, &url, err, /*required=*/true)) return false;
  t->http_url = url;
  if (const cJSON *h = cJSON_GetObjectItemCaseSensitive(v, "headers")) {
    if (!cJSON_IsObject(h)) {
      *err = where + ".headers: must be an object of strings";
      return false;
    }
    for (const cJSON *it = h->child; it; it = it->next) {
      if (!cJSON_IsString(it)) {
        // Only the name: a header's value may be a key.
        *err = where + ".headers." + it->string + ": must be a string";
        return false;
      }
      t->http_headers.push_back(std::string(it->string) + ": " + it->valuestring);
    }
  }
  return true;
}

bool parse_tool(const cJSON *v, const std::string &where, ToolConfig *t, std::string *err,
                std::vector<std::string> *errors) {
  if (!cJSON_IsObject(v)) {
    *err = where + ": must be an object";
    return false;
  }
  check_keys(v, where,
             {"name", "description", "parameters", "side_effect_free", "max_parallel", "timeout_ms", "service", "http",
              "command", "retry", "comment"},
             errors);
  if (!get_string(v, "name", where, &t->name, err, /*required=*/true)) return false;
  if (t->name.empty()) {
    *err = where + ".name: must not be empty";
    return false;
  }
  if (!get_string(v, "description", where, &t->description, err)) return false;
  if (!get_string(v, "service", where, &t->service, err)) return false;
  if (const cJSON *p = cJSON_GetObjectItemCaseSensitive(v, "parameters")) {
    if (!cJSON_IsObject(p)) {
      *err = where + ".parameters: must be a JSON Schema object";
      return false;
    }
    t->parameters_json = print(p);
  }
  if (const cJSON *s = cJSON_GetObjectItemCaseSensitive(v, "side_effect_free")) {
    if (!cJSON_IsBool(s)) {
      *err = where + ".side_effect_free: must be true or false";
      return false;
    }
    t->side_effect_free = cJSON_IsTrue(s);
  }
  int64_t n = 0;
  if (!get_int(v, "max_parallel", where, 0, 1000000, &n, err)) return false;
  t->max_parallel = static_cast<int>(n);
  if (!get_int(v, "timeout_ms", where, 0, INT64_C(86400000), &t->timeout_ms, err)) return false;
  if (const cJSON *r = cJSON_GetObjectItemCaseSensitive(v, "retry")) {
    RetryConfig rc;
    if (!parse_retry(r, at(where, "retry"), &rc, err, errors)) return false;
    t->retry = rc;
  }
  const cJSON *http = cJSON_GetObjectItemCaseSensitive(v, "http");
  const cJSON *command = cJSON_GetObjectItemCaseSensitive(v, "command");
  if (!!http == !!command) {
    *err = where + ": give exactly one of \"http\" or \"command\"";
    return false;
  }
  if (http) return parse_http(http, at(where, "http"), t, err, errors);
  if (!cJSON_IsArray(command) || cJSON_GetArraySize(command) == 0) {
    *err = at(where, "command") + ": must be a non-empty array of strings [\"program\", \"arg\", ...]";
    return false;
  }
  int i = 0;
  for (const cJSON *it = command->child; it; it = it->next, ++i) {
    if (!cJSON_IsString(it)) {
      *err = at(where, "command") + "[" + std::to_string(i) + "]: must be a string";
      return false;
    }
  }
  t->command_json = print(command);
  return true;
}

}  // namespace

bool parse_config(const std::string &text, AgentConfig *out, std::vector<std::string> *errors) {
  // The library's strict reader: nothing may follow the object, and a key
  // written twice is an error (which one wins would be a silent guess).
  json::Limits limits;
  limits.max_bytes = 64u << 20;
  limits.unique_keys = true;
  std::string why;
  JsonPtr root(json::parse(text, limits, &why).release());
  if (!root) {
    errors->push_back("not valid JSON: " + why);
    return false;
  }
  if (!cJSON_IsObject(root.get())) {
    errors->push_back("the config must be a JSON object");
    return false;
  }
  size_t before = errors->size();
  std::string err;
  // Each section is checked whatever the others hold: every error is found at once.
  auto keep = [&](bool ok) {
    if (!ok) errors->push_back(err);
    err.clear();
    return ok;
  };
  check_keys(root.get(), "",
             {"llm", "options", "job", "tools", "mcp_servers", "chains", "mock_script", "observability", "comment"},
             errors);
  keep(get_object(root.get(), "llm", &out->llm, &err));
  if (keep(get_object(root.get(), "options", &out->options, &err)) &&
      cJSON_GetObjectItemCaseSensitive(out->options.get(), "llm"))
    errors->push_back("options: \"llm\" belongs at the top level of the config");
  if (keep(get_object(root.get(), "job", &out->job, &err)) && cJSON_GetObjectItemCaseSensitive(out->job.get(), "prompt"))
    errors->push_back("job: \"prompt\" comes from the command line");
  const cJSON *tools = cJSON_GetObjectItemCaseSensitive(root.get(), "tools");
  if (tools && !cJSON_IsArray(tools)) {
    errors->push_back("tools: must be an array");
  } else if (tools) {
    std::set<std::string> names;
    int i = 0;
    for (const cJSON *t = tools->child; t; t = t->next, ++i) {
      ToolConfig tc;
      std::string where = "tools[" + std::to_string(i) + "]";
      if (!keep(parse_tool(t, where, &tc, &err, errors))) continue;
      if (!names.insert(tc.name).second) {
        errors->push_back(where + ".name: \"" + tc.name + "\" is used twice");
        continue;
      }
      out->tools.push_back(std::move(tc));
    }
  }
  // MCP servers: each description is checked in full by the library (the
  // context option "mcp_servers"), which names the server and the key.
  if (const cJSON *m = cJSON_GetObjectItemCaseSensitive(root.get(), "mcp_servers")) {
    bool ok = cJSON_IsArray(m);
    for (const cJSON *it = ok ? m->child : nullptr; it && ok; it = it->next) ok = cJSON_IsObject(it);
    if (!ok) errors->push_back("mcp_servers: must be an array of objects (see include/toolorch/mcp.h)");
    else out->mcp_servers.reset(cJSON_Duplicate(m, true));
  }
  // Chains: checked in full by the library (the context option "chains").
  if (const cJSON *m = cJSON_GetObjectItemCaseSensitive(root.get(), "chains")) {
    bool ok = cJSON_IsArray(m);
    for (const cJSON *it = ok ? m->child : nullptr; it && ok; it = it->next) ok = cJSON_IsObject(it);
    if (!ok) errors->push_back("chains: must be an array of objects (see include/toolorch/chain.h)");
    else out->chains.reset(cJSON_Duplicate(m, true));
  }
  if (const cJSON *m = cJSON_GetObjectItemCaseSensitive(root.get(), "mock_script")) {
    if (!cJSON_IsObject(m)) errors->push_back("mock_script: must be an object (a script, see tools/mockllm/SCRIPT.md)");
    else out->mock_script_json = print(m);
  }
  if (const cJSON *o = cJSON_GetObjectItemCaseSensitive(root.get(), "observability")) {
    // Its keys are checked with the rest of the CLI's observability (observability.cc).
    if (!cJSON_IsObject(o)) errors->push_back("observability: must be an object");
    else out->observability.reset(cJSON_Duplicate(o, true));
  }
  if (const cJSON *c = cJSON_GetObjectItemCaseSensitive(root.get(), "comment"); c && !cJSON_IsString(c))
    errors->push_back("comment: must be a string");
  return errors->size() == before;
}

bool load_config(const std::string &path, AgentConfig *out, std::vector<std::string> *errors) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    errors->push_back("cannot read " + path + ": " + std::strerror(errno));
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_config(ss.str(), out, errors);
}

std::string did_you_mean(const std::string &key, const std::vector<std::string> &known) {
  return json::did_you_mean(key, known);
}

}  // namespace toolorch::cli

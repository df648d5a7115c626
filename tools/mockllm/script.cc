#include "mockllm/script.h"

#include <cjson/cJSON.h>

#include <cstdlib>
#include <initializer_list>
#include <memory>

#include "mockllm/text_util.h"

namespace toolorch::mockllm {
namespace {

constexpr int kMaxMs = 600000;              // 10 minutes of pacing is plenty
constexpr int kMaxChunkBytes = 1 << 20;
constexpr int kMaxCallsPerRound = 100000;   // keeps a typo from eating the memory
constexpr int kMaxTimes = 1000000000;

struct CJsonDeleter {
  void operator()(cJSON *p) const { cJSON_Delete(p); }
};
using JsonPtr = std::unique_ptr<cJSON, CJsonDeleter>;

// Parsing state: the first error wins and names the field by its path.
class Parser {
 public:
  explicit Parser(std::string *err) : err_(err) {}

  bool fail(const std::string &path, const std::string &what) {
    if (err_) *err_ = path + ": " + what;
    return false;
  }

  bool only_keys(const cJSON *obj, const std::string &path, std::initializer_list<const char *> keys) {
    for (const cJSON *item = obj->child; item; item = item->next) {
      bool known = false;
      for (const char *k : keys) known = known || std::string_view(item->string) == k;
      if (!known) return fail(path, std::string("unknown key \"") + item->string + "\"");
    }
    return true;
  }

  // An optional integer in [lo, hi]; absent leaves *out alone.
  bool opt_int(const cJSON *obj, const char *key, const std::string &path, int lo, int hi, int *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) return true;
    const std::string where = path.empty() ? key : path + "." + key;
    if (!cJSON_IsNumber(v) || v->valuedouble != static_cast<double>(static_cast<long long>(v->valuedouble)))
      return fail(where, "must be an integer");
    if (v->valuedouble < lo || v->valuedouble > hi)
      return fail(where, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    *out = static_cast<int>(v->valuedouble);
    return true;
  }

  bool opt_string(const cJSON *obj, const char *key, const std::string &path, std::string *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) return true;
    if (!cJSON_IsString(v)) return fail(path.empty() ? key : path + "." + key, "must be a string");
    *out = v->valuestring;
    return true;
  }

  bool usage(const cJSON *obj, const std::string &path, Usage *out) {
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(obj, "usage");
    if (!u) return true;
    const std::string where = path.empty() ? "usage" : path + ".usage";
    if (!cJSON_IsObject(u)) return fail(where, "must be an object");
    if (!only_keys(u, where, {"input_tokens", "output_tokens"})) return false;
    int in = -1, outp = -1;
    if (!opt_int(u, "input_tokens", where, 0, kMaxTimes, &in)) return false;
    if (!opt_int(u, "output_tokens", where, 0, kMaxTimes, &outp)) return false;
    if (in >= 0) out->input_tokens = in;
    if (outp >= 0) out->output_tokens = outp;
    return true;
  }

  // "arguments": an object (sent compact, in the order written) or a string
  // holding the JSON text to send as is. Absent: {}.
  bool arguments(const cJSON *obj, const std::string &path, std::string *out) {
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, "arguments");
    if (!a) {
      *out = "{}";
      return true;
    }
    if (cJSON_IsString(a)) {
      *out = a->valuestring;
      return true;
    }
    if (!cJSON_IsObject(a)) return fail(path + ".arguments", "must be an object or a string of JSON text");
    char *text = cJSON_PrintUnformatted(a);
    if (!text) return fail(path + ".arguments", "out of memory");
    *out = text;
    cJSON_free(text);
    return true;
  }

  bool call(const cJSON *c, const std::string &path, ScriptCall *out) {
    if (!cJSON_IsObject(c)) return fail(path, "must be an object");
    if (!only_keys(c, path, {"name", "arguments", "comment"})) return false;
    return call_fields(c, path, out);
  }

  bool call_fields(const cJSON *c, const std::string &path, ScriptCall *out) {
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(c, "name");
    if (!cJSON_IsString(name) || name->valuestring[0] == '\0')
      return fail(path + ".name", "must be a non-empty string");
    out->name = name->valuestring;
    return arguments(c, path, &out->arguments);
  }

  // One "repeat" entry: count calls of one tool, "{i}" in the argument
  // strings replaced by 0..count-1.
  bool repeat(const cJSON *r, const std::string &path, std::vector<ScriptCall> *calls) {
    if (!cJSON_IsObject(r)) return fail(path, "must be an object");
    if (!only_keys(r, path, {"name", "count", "arguments", "comment"})) return false;
    ScriptCall proto;
    if (!call_fields(r, path, &proto)) return false;
    int count = -1;
    if (!opt_int(r, "count", path, 0, kMaxCallsPerRound, &count)) return false;
    if (count < 0) return fail(path + ".count", "is required");
    if (calls->size() + static_cast<size_t>(count) > static_cast<size_t>(kMaxCallsPerRound))
      return fail(path + ".count", "more than " + std::to_string(kMaxCallsPerRound) + " calls in one round");
    for (int i = 0; i < count; ++i) {
      ScriptCall c;
      c.name = proto.name;
      c.arguments = expand_index(r, proto.arguments, i);
      calls->push_back(std::move(c));
    }
    return true;
  }

  bool round(const cJSON *r, const std::string &path, Round *out) {
    if (!cJSON_IsObject(r)) return fail(path, "must be an object");
    if (!only_keys(r, path, {"text", "tool_calls", "repeat", "ttfb_ms", "chunk_gap_ms", "chunk_bytes",
                             "usage", "comment"}))
      return false;
    if (!opt_string(r, "text", path, &out->text)) return false;
    const cJSON *tc = cJSON_GetObjectItemCaseSensitive(r, "tool_calls");
    if (tc) {
      if (!cJSON_IsArray(tc)) return fail(path + ".tool_calls", "must be an array");
      int i = 0;
      for (const cJSON *c = tc->child; c; c = c->next, ++i) {
        ScriptCall sc;
        if (!call(c, path + ".tool_calls[" + std::to_string(i) + "]", &sc)) return false;
        out->calls.push_back(std::move(sc));
      }
    }
    const cJSON *rep = cJSON_GetObjectItemCaseSensitive(r, "repeat");
    if (rep) {
      if (cJSON_IsArray(rep)) {
        int i = 0;
        for (const cJSON *e = rep->child; e; e = e->next, ++i)
          if (!repeat(e, path + ".repeat[" + std::to_string(i) + "]", &out->calls)) return false;
      } else if (!repeat(rep, path + ".repeat", &out->calls)) {
        return false;
      }
    }
    if (out->calls.size() > static_cast<size_t>(kMaxCallsPerRound))
      return fail(path, "more than " + std::to_string(kMaxCallsPerRound) + " calls in one round");
    if (out->text.empty() && out->calls.empty()) return fail(path, "needs \"text\" or tool calls");
    return opt_int(r, "ttfb_ms", path, 0, kMaxMs, &out->ttfb_ms) &&
           opt_int(r, "chunk_gap_ms", path, 0, kMaxMs, &out->chunk_gap_ms) &&
           opt_int(r, "chunk_bytes", path, 1, kMaxChunkBytes, &out->chunk_bytes) &&
           usage(r, path, &out->usage);
  }

  bool fault(const cJSON *f, const std::string &path, const Script &script, Fault *out) {
    if (!cJSON_IsObject(f)) return fail(path, "must be an object");
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(f, "kind");
    if (!cJSON_IsString(kind)) return fail(path + ".kind", "must be a string");
    const std::string k = kind->valuestring;
    out->name = k;
    if (k.size() == 8 && k.compare(0, 5, "http_") == 0 && k.find_first_not_of("0123456789", 5) == std::string::npos) {
      out->kind = FaultKind::kHttpStatus;
      out->status = std::atoi(k.c_str() + 5);
      if (out->status < 400 || out->status > 599) return fail(path + ".kind", "http status must be 400..599");
      if (!only_keys(f, path, {"kind", "round", "times", "message", "retry_after_s", "retry_after_ms", "comment"}))
        return false;
    } else if (k == "drop_mid_stream" || k == "stream_error") {
      out->kind = k == "drop_mid_stream" ? FaultKind::kDropMidStream : FaultKind::kStreamError;
      if (!only_keys(f, path, {"kind", "round", "times", "after_tool_calls", "message", "comment"})) return false;
    } else if (k == "invalid_json_args" || k == "unknown_tool") {
      out->kind = k == "invalid_json_args" ? FaultKind::kInvalidJsonArgs : FaultKind::kUnknownTool;
      if (!only_keys(f, path, {"kind", "round", "times", "call", "name", "comment"})) return false;
      if (k == "invalid_json_args" && cJSON_GetObjectItemCaseSensitive(f, "name"))
        return fail(path, "unknown key \"name\"");
    } else if (k == "empty_body" || k == "non_json_body") {
      out->kind = k == "empty_body" ? FaultKind::kEmptyBody : FaultKind::kNonJsonBody;
      if (!only_keys(f, path, {"kind", "round", "times", "comment"})) return false;
    } else {
      return fail(path + ".kind",
                  "unknown kind \"" + k +
                      "\" (http_NNN, drop_mid_stream, stream_error, invalid_json_args, unknown_tool, "
                      "empty_body, non_json_body)");
    }
    const int nrounds = static_cast<int>(script.rounds.size());
    if (!opt_int(f, "round", path, 0, nrounds - 1, &out->round)) return false;
    if (!opt_int(f, "times", path, -1, kMaxTimes, &out->times)) return false;
    if (out->times == 0) return fail(path + ".times", "must be at least 1 (or -1 for every request)");
    if (!opt_int(f, "retry_after_s", path, 0, 86400, &out->retry_after_s)) return false;
    if (!opt_int(f, "retry_after_ms", path, 0, 86400000, &out->retry_after_ms)) return false;
    if (!opt_int(f, "after_tool_calls", path, 0, kMaxCallsPerRound, &out->after_tool_calls)) return false;
    if (!opt_int(f, "call", path, 0, kMaxCallsPerRound - 1, &out->call)) return false;
    if (!opt_string(f, "message", path, &out->message)) return false;
    if (!opt_string(f, "name", path, &out->tool_name)) return false;
    if (out->modifies_content() && out->round >= 0 &&
        static_cast<size_t>(out->call) >= script.rounds[out->round].calls.size())
      return fail(path + ".call", "round " + std::to_string(out->round) + " has only " +
                                      std::to_string(script.rounds[out->round].calls.size()) + " calls");
    return true;
  }

 private:
  // The arguments of call i of a repeat: "{i}" replaced inside every string
  // of the template (keys and numbers are left alone).
  static std::string expand_index(const cJSON *r, const std::string &text, int i) {
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(r, "arguments");
    if (!cJSON_IsObject(a)) {
      std::string s = text;  // a raw string template: plain text replacement
      replace_all(&s, "{i}", std::to_string(i));
      return s;
    }
    JsonPtr copy(cJSON_Duplicate(a, 1));
    if (!copy) return text;
    expand_strings(copy.get(), std::to_string(i));
    char *printed = cJSON_PrintUnformatted(copy.get());
    if (!printed) return text;
    std::string out = printed;
    cJSON_free(printed);
    return out;
  }

  static void expand_strings(cJSON *v, const std::string &i) {
    for (cJSON *c = v->child; c; c = c->next) {
      if (cJSON_IsString(c) && std::string_view(c->valuestring).find("{i}") != std::string_view::npos) {
        std::string s = c->valuestring;
        replace_all(&s, "{i}", i);
        cJSON_SetValuestring(c, s.c_str());
      } else if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
        expand_strings(c, i);
      }
    }
  }

  std::string *err_;
};

}  // namespace

bool parse_script(std::string_view json, Script *out, std::string *err) {
  Parser p(err);
  const char *end = nullptr;
  JsonPtr root(cJSON_ParseWithLengthOpts(json.data(), json.size(), &end, 0));
  if (!root) {
    const size_t off = end ? static_cast<size_t>(end - json.data()) : 0;
    return p.fail("script", "not valid JSON (near byte " + std::to_string(off) + ")");
  }
  if (!cJSON_IsObject(root.get())) return p.fail("script", "must be a JSON object");
  if (!p.only_keys(root.get(), "script",
                   {"rounds", "ttfb_ms", "chunk_gap_ms", "chunk_bytes", "usage", "faults", "comment"}))
    return false;
  Script s;
  const cJSON *rounds = cJSON_GetObjectItemCaseSensitive(root.get(), "rounds");
  if (!cJSON_IsArray(rounds) || !rounds->child) return p.fail("rounds", "must be a non-empty array");
  int i = 0;
  for (const cJSON *r = rounds->child; r; r = r->next, ++i) {
    Round round;
    if (!p.round(r, "rounds[" + std::to_string(i) + "]", &round)) return false;
    s.rounds.push_back(std::move(round));
  }
  if (!p.opt_int(root.get(), "ttfb_ms", "", 0, kMaxMs, &s.ttfb_ms) ||
      !p.opt_int(root.get(), "chunk_gap_ms", "", 0, kMaxMs, &s.chunk_gap_ms) ||
      !p.opt_int(root.get(), "chunk_bytes", "", 1, kMaxChunkBytes, &s.chunk_bytes) ||
      !p.usage(root.get(), "", &s.usage))
    return false;
  const cJSON *faults = cJSON_GetObjectItemCaseSensitive(root.get(), "faults");
  if (faults) {
    if (!cJSON_IsArray(faults)) return p.fail("faults", "must be an array");
    i = 0;
    for (const cJSON *f = faults->child; f; f = f->next, ++i) {
      Fault fault;
      if (!p.fault(f, "faults[" + std::to_string(i) + "]", s, &fault)) return false;
      s.faults.push_back(std::move(fault));
    }
  }
  *out = std::move(s);
  return true;
}

const char *default_script_json() {
  return R"({"rounds": [{"text": "Hello from toolorch-mockllm. {tool_result_count} tool results: {tool_results}"}]})";
}

}  // namespace toolorch::mockllm

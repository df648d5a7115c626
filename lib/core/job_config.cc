#include "core/job_config.h"

#include "core/codes.h"
#include "obs/span.h"

#include <cstring>

#include "json/json.h"

namespace toolorch::core {
namespace {

int bad(std::string *err, std::string msg) {
  *err = std::move(msg);
  return TOOLORCH_ECONFIG;
}

bool get_int(const cJSON *v, int64_t min, int64_t max, int64_t *out) {
  if (!cJSON_IsNumber(v)) return false;
  double d = v->valuedouble;
  if (!json::is_int_in(d, min, max)) return false;
  *out = static_cast<int64_t>(d);
  return true;
}

int parse_messages(const cJSON *arr, std::vector<llm::Message> *out, std::string *err) {
  if (!cJSON_IsArray(arr)) return bad(err, "\"messages\" must be an array");
  for (const cJSON *m = arr->child; m; m = m->next) {
    const char *role = json::get_string(m, "role");
    const char *content = json::get_string(m, "content");
    if (!role || !content) return bad(err, "each message needs string \"role\" and \"content\"");
    llm::Message msg;
    if (!std::strcmp(role, "user")) msg.role = llm::Message::Role::kUser;
    else if (!std::strcmp(role, "assistant")) msg.role = llm::Message::Role::kAssistant;
    else return bad(err, std::string("message role \"") + role + "\" is not \"user\" or \"assistant\"");
    msg.text = content;
    out->push_back(std::move(msg));
  }
  return TOOLORCH_OK;
}

}  // namespace

int parse_job_config(const std::string &request_json, const cJSON *llm_section, JobConfig *out,
                     std::string *err) {
  std::string perr;
  json::Ptr doc = json::parse(request_json, &perr);
  if (!doc) {
    *err = "job request is not valid JSON: " + perr;
    return TOOLORCH_EJSON;
  }
  if (!cJSON_IsObject(doc.get())) return bad(err, "job request must be a JSON object");
  JobConfig c;
  if (const char *m = json::get_string(llm_section, "model")) c.model = m;
  bool have_prompt = false;
  for (const cJSON *v = doc->child; v; v = v->next) {
    std::string key = v->string ? v->string : "";
    int64_t n = 0;
    auto need_int = [&](int64_t min, int64_t max) {
      if (get_int(v, min, max, &n)) return true;
      bad(err, "\"" + key + "\" must be an integer between " + std::to_string(min) + " and " + std::to_string(max));
      return false;
    };
    auto need_bool = [&](bool *dst) {
      if (!cJSON_IsBool(v)) {
        bad(err, "\"" + key + "\" must be a boolean");
        return false;
      }
      *dst = cJSON_IsTrue(v);
      return true;
    };
    auto need_string = [&](std::string *dst) {
      if (!cJSON_IsString(v)) {
        bad(err, "\"" + key + "\" must be a string");
        return false;
      }
      *dst = v->valuestring;
      return true;
    };
    if (key == "prompt") {
      std::string p;
      if (!need_string(&p)) return TOOLORCH_ECONFIG;
      llm::Message m;
      m.role = llm::Message::Role::kUser;
      m.text = p;
      c.messages.push_back(std::move(m));
      have_prompt = true;
    } else if (key == "messages") {
      if (int rc = parse_messages(v, &c.messages, err)) return rc;
    } else if (key == "system") {
      if (!need_string(&c.system)) return TOOLORCH_ECONFIG;
    } else if (key == "model") {
      if (!need_string(&c.model)) return TOOLORCH_ECONFIG;
    } else if (key == "name") {
      if (!need_string(&c.name)) return TOOLORCH_ECONFIG;
      if (c.name.empty()) return bad(err, "\"name\" must not be empty");
    } else if (key == "traceparent") {
      if (!need_string(&c.traceparent)) return TOOLORCH_ECONFIG;
      obs::TraceContext tc;
      if (!obs::parse_traceparent(c.traceparent, &tc))
        return bad(err, "\"traceparent\" is not a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>)");
    } else if (key == "tools") {
      if (!cJSON_IsArray(v)) return bad(err, "\"tools\" must be an array of tool names");
      c.tools_given = true;
      for (const cJSON *t = v->child; t; t = t->next) {
        if (!cJSON_IsString(t)) return bad(err, "\"tools\" must be an array of tool names");
        c.tools.push_back(t->valuestring);
      }
    } else if (key == "max_rounds") {
      if (!need_int(1, 1000)) return TOOLORCH_ECONFIG;
      c.max_rounds = int(n);
    } else if (key == "max_tokens") {
      if (!need_int(1, 10000000)) return TOOLORCH_ECONFIG;
      c.max_tokens = int(n);
    } else if (key == "stream") {
      if (!need_bool(&c.stream)) return TOOLORCH_ECONFIG;
    } else if (key == "parallel_tool_calls") {
      if (!need_bool(&c.parallel_tool_calls)) return TOOLORCH_ECONFIG;
    } else if (key == "tool_choice") {
      if (!need_string(&c.tool_choice)) return TOOLORCH_ECONFIG;
    } else if (key == "eager_dispatch") {
      std::string e;
      if (!need_string(&e)) return TOOLORCH_ECONFIG;
      if (e == "safe") c.eager = EagerDispatch::kSafe;
      else if (e == "all") c.eager = EagerDispatch::kAll;
      else if (e == "off") c.eager = EagerDispatch::kOff;
      else return bad(err, "\"eager_dispatch\" must be \"safe\", \"all\" or \"off\"");
    } else if (key == "llm_timeout_ms") {
      if (!need_int(1, 86400000)) return TOOLORCH_ECONFIG;
      c.llm_timeout_ms = n;
    } else if (key == "total_timeout_ms") {
      if (!need_int(1, 7 * 86400000LL)) return TOOLORCH_ECONFIG;
      c.total_timeout_ms = n;
    } else if (key == "llm_retries") {
      if (!need_int(0, 100)) return TOOLORCH_ECONFIG;
      c.llm_retries = int(n);
    } else if (key == "llm_backoff_base_ms") {
      if (!need_int(0, 3600000)) return TOOLORCH_ECONFIG;
      c.llm_backoff.base_ms = n;
    } else if (key == "llm_backoff_max_ms") {
      if (!need_int(0, 3600000)) return TOOLORCH_ECONFIG;
      c.llm_backoff.max_ms = n;
    } else if (key == "on_failure") {
      std::string s;
      if (!need_string(&s)) return TOOLORCH_ECONFIG;
      if (s != "isolate" && s != "cancel_siblings")
        return bad(err, "\"on_failure\" must be \"isolate\" or \"cancel_siblings\"");
      c.cancel_siblings = s == "cancel_siblings";
    } else if (key == "groups") {
      if (!cJSON_IsArray(v)) return bad(err, "\"groups\" must be an array");
      for (const cJSON *g = v->child; g; g = g->next) {
        JobGroup jg;
        const char *name = json::get_string(g, "name");
        const cJSON *tools = cJSON_GetObjectItemCaseSensitive(g, "tools");
        if (!name || !cJSON_IsArray(tools)) return bad(err, "each group needs \"name\" and \"tools\"");
        jg.name = name;
        for (const cJSON *t = tools->child; t; t = t->next) {
          if (!cJSON_IsString(t)) return bad(err, "group \"" + jg.name + "\": \"tools\" must hold names");
          jg.tools.push_back(t->valuestring);
        }
        json::Ptr policy(cJSON_Duplicate(g, true));
        cJSON_DeleteItemFromObjectCaseSensitive(policy.get(), "name");
        cJSON_DeleteItemFromObjectCaseSensitive(policy.get(), "tools");
        std::string perr;
        if (GroupPolicy::from_json(policy.get(), &jg.policy, &perr))
          return bad(err, "group \"" + jg.name + "\": " + perr);
        c.groups.push_back(std::move(jg));
      }
    } else if (key == "speculation") {
      if (int rc = parse_speculation(v, &c.speculation, err)) return rc;
    } else {
      return bad(err, "unknown job request key \"" + key + "\"" +
                          json::did_you_mean(key, {"prompt", "messages", "system", "model", "name", "traceparent",
                                                   "tools", "max_rounds", "max_tokens", "stream",
                                                   "parallel_tool_calls", "tool_choice", "eager_dispatch",
                                                   "llm_timeout_ms", "total_timeout_ms", "llm_retries",
                                                   "llm_backoff_base_ms", "llm_backoff_max_ms", "on_failure",
                                                   "groups", "speculation"}));
    }
  }
  if (c.messages.empty() && !have_prompt) return bad(err, "a job needs \"prompt\" or \"messages\"");
  if (c.model.empty()) return bad(err, "no model: set \"model\" in the request or \"llm.model\" in the options");
  *out = std::move(c);
  return TOOLORCH_OK;
}

// Written directly, byte for byte what a cJSON document of the same
// strings printed (json::append_cstring): a transcript of thousands of
// messages cost a cJSON item and an allocation per string, then the print.
std::string transcript_json(const std::string &system, const std::vector<llm::Message> &messages,
                            const std::vector<std::pair<size_t, std::string_view>> &texts) {
  std::string out = "[";
  auto begin_message = [&](const char *role) {
    if (out.size() > 1) out += ',';
    out += "{\"role\":\"";
    out += role;
    out += "\",\"content\":";
  };
  if (!system.empty()) {
    begin_message("system");
    json::append_cstring(&out, system);
    out += '}';
  }
  auto text = texts.begin();
  for (size_t i = 0; i < messages.size(); ++i) {
    const llm::Message &msg = messages[i];
    switch (msg.role) {
      case llm::Message::Role::kSystem: begin_message("system"); break;
      case llm::Message::Role::kUser: begin_message("user"); break;
      case llm::Message::Role::kAssistant: begin_message("assistant"); break;
      case llm::Message::Role::kTool: begin_message("tool"); break;
    }
    if (text != texts.end() && text->first == i) {
      json::append_cstring(&out, text->second);
      ++text;
    } else {
      json::append_cstring(&out, msg.text);
    }
    if (!msg.tool_calls.empty()) {
      out += ",\"tool_calls\":[";
      bool first = true;
      for (const llm::ToolCall &tc : msg.tool_calls) {
        out += first ? "{\"id\":" : ",{\"id\":";
        first = false;
        json::append_cstring(&out, tc.id);
        out += ",\"name\":";
        json::append_cstring(&out, tc.name);
        out += ",\"arguments\":";
        json::append_cstring(&out, tc.args_json);
        out += '}';
      }
      out += ']';
    }
    if (msg.role == llm::Message::Role::kTool) {
      out += ",\"tool_call_id\":";
      json::append_cstring(&out, msg.tool_call_id);
      out += ",\"name\":";
      json::append_cstring(&out, msg.tool_name);
      out += msg.is_error ? ",\"is_error\":true" : ",\"is_error\":false";
    }
    out += '}';
  }
  out += ']';
  return out;
}

}  // namespace toolorch::core

#include "mcp/server_config.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace toolorch::mcp {
namespace {

bool string_list(const cJSON *v, const char *key, std::vector<std::string> *out, std::string *err) {
  if (!cJSON_IsArray(v)) {
    *err = std::string("\"") + key + "\" must be an array of strings";
    return false;
  }
  for (const cJSON *it = v->child; it; it = it->next) {
    if (!cJSON_IsString(it)) {
      *err = std::string("\"") + key + "\" must be an array of strings";
      return false;
    }
    out->emplace_back(it->valuestring);
  }
  return true;
}

bool has_ctl(const std::string &s) { return s.find_first_of("\r\n") != std::string::npos; }

// {"K": "v"} as "K<sep>v" entries; values are never quoted back.
bool string_map(const cJSON *v, const char *key, const char *sep, std::vector<std::string> *out, std::string *err) {
  if (!cJSON_IsObject(v)) {
    *err = std::string("\"") + key + "\" must be an object of strings";
    return false;
  }
  for (const cJSON *it = v->child; it; it = it->next) {
    if (!cJSON_IsString(it) || !*it->string) {
      *err = std::string("\"") + key + "\" must be an object of strings";
      return false;
    }
    std::string name = it->string, value = it->valuestring;
    bool bad_name = name.find_first_of(std::string("=:\r\n \t", 6)) != std::string::npos;
    if (bad_name || has_ctl(value)) {
      *err = std::string("\"") + key + "\" entry \"" + name + "\" has a bad name or a CR/LF in its value";
      return false;
    }
    out->push_back(name + sep + value);
  }
  return true;
}

bool integer(const cJSON *v, const char *key, int64_t lo, int64_t hi, int64_t *out, std::string *err) {
  if (!cJSON_IsNumber(v) || !std::isfinite(v->valuedouble) || std::floor(v->valuedouble) != v->valuedouble ||
      v->valuedouble < static_cast<double>(lo) || v->valuedouble > static_cast<double>(hi)) {
    *err = std::string("\"") + key + "\" must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
    return false;
  }
  *out = static_cast<int64_t>(v->valuedouble);
  return true;
}

bool contains(const std::vector<std::string> &v, const std::string &s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

bool ServerConfig::wants(const std::string &remote) const { return all_tools || contains(tools, remote); }

bool ServerConfig::marked_side_effect_free(const std::string &remote) const {
  return contains(side_effect_free, remote);
}

bool parse_server_config(const cJSON *obj, ServerConfig *out, std::string *err) {
  ServerConfig c;
  if (!cJSON_IsObject(obj)) {
    *err = "an MCP server must be described by a JSON object";
    return false;
  }
  const char *name = json::get_string(obj, "name");
  std::string where = name ? std::string("MCP server \"") + name + "\": " : "MCP server: ";
  auto bad = [&](const std::string &why) {
    *err = where + why;
    return false;
  };
  std::string e;
  for (const cJSON *it = obj->child; it; it = it->next) {
    const char *k = it->string;
    int64_t n = 0;
    if (!strcmp(k, "name")) {
      if (!cJSON_IsString(it) || !*it->valuestring) return bad("\"name\" must be a non-empty string");
      c.name = it->valuestring;
    } else if (!strcmp(k, "command")) {
      if (!string_list(it, k, &c.command, &e)) return bad(e);
      if (c.command.empty() || c.command[0].empty()) return bad("\"command\" needs a program");
    } else if (!strcmp(k, "env")) {
      if (!string_map(it, k, "=", &c.env, &e)) return bad(e);
    } else if (!strcmp(k, "url")) {
      if (!cJSON_IsString(it)) return bad("\"url\" must be a string");
      c.url = it->valuestring;
      if ((c.url.rfind("http://", 0) != 0 && c.url.rfind("https://", 0) != 0) || has_ctl(c.url))
        return bad("\"url\" must be an http:// or https:// URL");
    } else if (!strcmp(k, "headers")) {
      if (!string_map(it, k, ": ", &c.headers, &e)) return bad(e);
    } else if (!strcmp(k, "tools")) {
      if (!string_list(it, k, &c.tools, &e)) return bad(e);
      c.all_tools = false;
    } else if (!strcmp(k, "side_effect_free")) {
      if (!string_list(it, k, &c.side_effect_free, &e)) return bad(e);
    } else if (!strcmp(k, "trust_annotations")) {
      if (!cJSON_IsBool(it)) return bad("\"trust_annotations\" must be true or false");
      c.trust_annotations = cJSON_IsTrue(it);
    } else if (!strcmp(k, "prefix")) {
      if (!cJSON_IsString(it)) return bad("\"prefix\" must be a string");
      c.prefix = it->valuestring;
    } else if (!strcmp(k, "max_parallel")) {
      if (!integer(it, k, 0, 1 << 20, &n, &e)) return bad(e);
      c.max_parallel = static_cast<int>(n);
    } else if (!strcmp(k, "service")) {
      if (!cJSON_IsString(it)) return bad("\"service\" must be a string");
      c.service = it->valuestring;
    } else if (!strcmp(k, "timeout_ms")) {
      if (!integer(it, k, 0, int64_t(1) << 40, &c.timeout_ms, &e)) return bad(e);
    } else if (!strcmp(k, "start_timeout_ms")) {
      if (!integer(it, k, 1, int64_t(1) << 40, &c.start_timeout_ms, &e)) return bad(e);
    } else if (!strcmp(k, "restart_backoff_ms")) {
      if (!integer(it, k, 0, int64_t(1) << 40, &c.restart_backoff_ms, &e)) return bad(e);
    } else if (!strcmp(k, "restart_backoff_max_ms")) {
      if (!integer(it, k, 0, int64_t(1) << 40, &c.restart_backoff_max_ms, &e)) return bad(e);
    } else if (!strcmp(k, "protocol")) {
      if (!cJSON_IsString(it)) return bad("\"protocol\" must be a string");
      c.protocol = it->valuestring;
      if (c.protocol != "auto" && c.protocol != "2025-11-25" && c.protocol != "2026-07-28")
        return bad("\"protocol\" must be \"auto\", \"2025-11-25\" or \"2026-07-28\"");
    } else {
      return bad(std::string("unknown key \"") + k + "\"");
    }
  }
  if (c.name.empty()) return bad("\"name\" is required");
  if (c.command.empty() == c.url.empty()) return bad("give exactly one of \"command\" (stdio) and \"url\" (HTTP)");
  if (!c.env.empty() && !c.stdio()) return bad("\"env\" is for stdio servers (\"command\")");
  if (!c.headers.empty() && c.stdio()) return bad("\"headers\" is for HTTP servers (\"url\")");
  *out = std::move(c);
  return true;
}

bool parse_server_config(const std::string &text, ServerConfig *out, std::string *err) {
  std::string perr;
  json::Ptr doc = json::parse(text, &perr);
  if (!doc) {
    *err = "the MCP server description is not JSON: " + perr;
    return false;
  }
  return parse_server_config(doc.get(), out, err);
}

}  // namespace toolorch::mcp

#include "llm/provider_config.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "json/json.h"
#include "llm/protocol_spec.h"

namespace toolorch::llm {

namespace {

bool fail(std::string *err, std::string msg) {
  if (err) *err = std::move(msg);
  return false;
}

bool get_string(const cJSON *item, std::string *out, std::string *err) {
  if (!cJSON_IsString(item) || !item->valuestring)
    return fail(err, std::string("provider config: \"") + item->string + "\" must be a string");
  *out = item->valuestring;
  return true;
}

// Header text goes to the wire as is: no line breaks may smuggle in another.
bool clean_header_part(const std::string &s, bool is_name) {
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
    if (is_name && (c == ':' || c == ' ' || c == '\t')) return false;
  }
  return !is_name || !s.empty();
}

}  // namespace

const char *protocol_name(Protocol p) { return protocol_spec(p).name; }

bool protocol_from_name(const std::string &name, Protocol *out) {
  for (Protocol p : {Protocol::kOpenAI, Protocol::kAnthropic, Protocol::kOpenAIResponses, Protocol::kGemini}) {
    if (name == protocol_spec(p).name) {
      *out = p;
      return true;
    }
  }
  return false;
}

bool parse_provider_config(const cJSON *json, ProviderConfig *out, std::string *err) {
  if (!cJSON_IsObject(json)) return fail(err, "provider config: must be a JSON object");
  ProviderConfig cfg;
  bool have_key = false, have_key_env = false;
  std::string key_env;
  for (const cJSON *item = json->child; item; item = item->next) {
    std::string name = item->string ? item->string : "";
    if (name == "protocol") {
      std::string p;
      if (!get_string(item, &p, err)) return false;
      if (!protocol_from_name(p, &cfg.protocol))
        return fail(err, "provider config: \"protocol\" must be \"openai\", \"openai-responses\", \"anthropic\" or "
                         "\"gemini\", not \"" + p + "\"");
    } else if (name == "base_url") {
      if (!get_string(item, &cfg.base_url, err)) return false;
      if (cfg.base_url.rfind("http://", 0) != 0 && cfg.base_url.rfind("https://", 0) != 0)
        return fail(err, "provider config: \"base_url\" must start with http:// or https://");
    } else if (name == "api_key") {
      if (!cJSON_IsString(item) || !item->valuestring)
        return fail(err, "provider config: \"api_key\" must be a string");
      cfg.api_key = item->valuestring;
      have_key = true;
    } else if (name == "api_key_env") {
      if (!get_string(item, &key_env, err)) return false;
      if (key_env.empty()) return fail(err, "provider config: \"api_key_env\" must not be empty");
      have_key_env = true;
    } else if (name == "anthropic_version") {
      if (!get_string(item, &cfg.anthropic_version, err)) return false;
      if (!clean_header_part(cfg.anthropic_version, false))
        return fail(err, "provider config: \"anthropic_version\" holds a line break");
    } else if (name == "headers") {
      if (!cJSON_IsObject(item)) return fail(err, "provider config: \"headers\" must be an object");
      for (const cJSON *h = item->child; h; h = h->next) {
        std::string hname = h->string ? h->string : "";
        if (!clean_header_part(hname, true))
          return fail(err, "provider config: \"headers\" has an invalid header name \"" + hname + "\"");
        if (!cJSON_IsString(h) || !h->valuestring)
          return fail(err, "provider config: header \"" + hname + "\" must have a string value");
        std::string value = h->valuestring;
        // The value may be a secret (an auth header): never echo it.
        if (!clean_header_part(value, false))
          return fail(err, "provider config: header \"" + hname + "\" holds a line break");
        cfg.extra_headers.push_back(hname + ": " + value);
      }
    } else if (name == "connect_timeout_ms") {
      if (!cJSON_IsNumber(item) || item->valuedouble < 1 || item->valuedouble > 3600000 ||
          std::floor(item->valuedouble) != item->valuedouble)
        return fail(err, "provider config: \"connect_timeout_ms\" must be an integer in 1..3600000");
      cfg.connect_timeout_ms = static_cast<long>(item->valuedouble);
    } else if (name == "max_response_bytes") {
      if (!cJSON_IsNumber(item) || !json::is_int_in(item->valuedouble, 1024, int64_t(1) << 40))
        return fail(err, "provider config: \"max_response_bytes\" must be an integer in 1024..2^40");
      cfg.max_response_bytes = static_cast<size_t>(item->valuedouble);
    } else if (name == "max_tokens_field") {
      if (!get_string(item, &cfg.max_tokens_field, err)) return false;
      if (cfg.max_tokens_field != "max_tokens" && cfg.max_tokens_field != "max_completion_tokens")
        return fail(err, "provider config: \"max_tokens_field\" must be \"max_tokens\" or \"max_completion_tokens\"");
    } else if (name == "responses_state") {
      std::string v;
      if (!get_string(item, &v, err)) return false;
      if (v != "stateless" && v != "previous_response_id")
        return fail(err, "provider config: \"responses_state\" must be \"stateless\" or \"previous_response_id\"");
      cfg.responses_previous_id = v == "previous_response_id";
    } else if (name == "responses_encrypted_reasoning") {
      if (!cJSON_IsBool(item)) return fail(err, "provider config: \"responses_encrypted_reasoning\" must be a boolean");
      cfg.responses_encrypted_reasoning = cJSON_IsTrue(item);
    } else {
      return fail(err, "provider config: unknown key \"" + name + "\"" +
                           json::did_you_mean(name, {"protocol", "base_url", "api_key", "api_key_env",
                                                     "anthropic_version", "headers", "connect_timeout_ms",
                                                     "max_response_bytes", "max_tokens_field", "responses_state",
                                                     "responses_encrypted_reasoning", "model", "service"}));
    }
  }
  if (have_key && have_key_env)
    return fail(err, "provider config: give \"api_key\" or \"api_key_env\", not both");
  if (have_key_env) {
    const char *v = std::getenv(key_env.c_str());
    if (!v || !*v)
      return fail(err, "provider config: environment variable " + key_env + " (\"api_key_env\") is not set");
    cfg.api_key = v;
  } else if (!have_key) {
    const char *v = nullptr;
    switch (cfg.protocol) {
      case Protocol::kAnthropic: v = std::getenv("ANTHROPIC_API_KEY"); break;
      case Protocol::kGemini:
        v = std::getenv("GEMINI_API_KEY");
        if (!v || !*v) v = std::getenv("GOOGLE_API_KEY");
        break;
      case Protocol::kOpenAI:
      case Protocol::kOpenAIResponses: v = std::getenv("OPENAI_API_KEY"); break;
    }
    if (v) cfg.api_key = v;
  }
  if (!clean_header_part(cfg.api_key, false))
    return fail(err, "provider config: the API key holds a line break");
  *out = std::move(cfg);
  return true;
}

std::unique_ptr<Provider> make_provider(const ProviderConfig &config, http::Client *client) {
  if (!client) return nullptr;
  return make_spec_provider(protocol_spec(config.protocol), config, client);
}

}  // namespace toolorch::llm

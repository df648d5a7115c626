#include "obs/config.h"

#include <cmath>
#include <cstdlib>

#include "obs/metrics_server.h"

namespace toolorch::obs {

bool parse_config(const cJSON *section, Config *out, std::string *err) {
  Config c;
  if (section && !cJSON_IsObject(section)) {
    *err = "must be an object";
    return false;
  }
  for (const cJSON *v = section ? section->child : nullptr; v; v = v->next) {
    std::string key = v->string ? v->string : "";
    auto bad = [&](const std::string &why) {
      *err = "\"" + key + "\" " + why;
      return false;
    };
    if (key == "metrics") {
      if (!cJSON_IsBool(v)) return bad("must be a boolean");
      c.metrics = cJSON_IsTrue(v);
    } else if (key == "metrics_listen") {
      std::string addr;
      int port = 0;
      if (!cJSON_IsString(v)) return bad("must be a string");
      if (*v->valuestring && !MetricsServer::parse_listen(v->valuestring, &addr, &port))
        return bad("must be ADDR:PORT with a numeric address (e.g. 127.0.0.1:9464)");
      c.metrics_listen = v->valuestring;
    } else if (key == "otlp_endpoint") {
      if (!cJSON_IsString(v)) return bad("must be a string");
      std::string e = v->valuestring;
      if (!e.empty() && e.rfind("http://", 0) != 0 && e.rfind("https://", 0) != 0)
        return bad("must be an http:// or https:// URL");
      c.trace.endpoint = e;
    } else if (key == "service_name") {
      if (!cJSON_IsString(v) || !*v->valuestring) return bad("must be a non-empty string");
      c.trace.service_name = v->valuestring;
    } else if (key == "trace_sample") {
      if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= 1)) return bad("must be a number in [0, 1]");
      c.trace.sample_ratio = v->valuedouble;
    } else if (key == "otlp_flush_ms") {
      if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 3600000) return bad("must be 1..3600000");
      c.trace.flush_interval_ms = static_cast<int64_t>(v->valuedouble);
    } else if (key == "otlp_max_queue") {
      if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 1e7) return bad("must be 1..10000000");
      c.trace.max_queue = static_cast<size_t>(v->valuedouble);
    } else {
      *err = "unknown key \"" + key + "\"";
      return false;
    }
  }
  *out = c;
  return true;
}

void apply_environment(const cJSON *section, Config *cfg) {
  auto has = [section](const char *k) { return section && cJSON_GetObjectItemCaseSensitive(section, k); };
  const char *v;
  if (!has("otlp_endpoint") && (v = std::getenv("OTEL_EXPORTER_OTLP_ENDPOINT")) && *v) {
    std::string e = v;
    if (e.rfind("http://", 0) == 0 || e.rfind("https://", 0) == 0) cfg->trace.endpoint = e;
  }
  if (!has("service_name") && (v = std::getenv("OTEL_SERVICE_NAME")) && *v) cfg->trace.service_name = v;
  if (!has("trace_sample") && (v = std::getenv("OTEL_TRACES_SAMPLER_ARG")) && *v) {
    char *end = nullptr;
    double r = std::strtod(v, &end);
    if (end && !*end && r >= 0 && r <= 1) cfg->trace.sample_ratio = r;
  }
}

}  // namespace toolorch::obs

// The "observability" option section:
//   {"metrics": true, "metrics_listen": "127.0.0.1:9464",
//    "otlp_endpoint": "http://127.0.0.1:4318", "service_name": "toolorch",
//    "trace_sample": 1.0, "otlp_flush_ms": 1000, "otlp_max_queue": 4096}
// Unset keys fall back to the standard environment variables
// OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER_ARG.
#pragma once

#include <string>

#include "json/json.h"
#include "obs/tracer.h"

namespace toolorch::obs {

struct Config {
  bool metrics = true;         // the registry is fed (toolorch_metrics_text)
  std::string metrics_listen;  // "" = no built-in /metrics endpoint
  TracerConfig trace;          // tracing is on when trace.endpoint is set
};

// section may be null (all defaults). False and *err naming the key.
bool parse_config(const cJSON *section, Config *out, std::string *err);
// Fills what the section left unset from the OTEL_* variables.
void apply_environment(const cJSON *section, Config *cfg);

}  // namespace toolorch::obs

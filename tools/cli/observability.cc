#include "observability.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "config.h"
#include "progress.h"

namespace toolorch::cli {

namespace {

std::string json_string(const std::string &s) {
  cJSON *v = cJSON_CreateString(s.c_str());
  char *text = cJSON_PrintUnformatted(v);
  std::string out = text ? text : "\"\"";
  cJSON_free(text);
  cJSON_Delete(v);
  return out;
}

// To the Progress (tty, jsonl: printed between frames, never after the
// summary), else straight to stderr.
void emit_line(const std::string &line, void *progress) {
  if (progress) static_cast<Progress *>(progress)->log_line(line);
  else std::fprintf(stderr, "%s\n", line.c_str());
}

void log_human(int level, const char *message, const char *const *keys, const char *const *values, size_t n,
               void *progress) {
  std::string line = std::string("toolorch: [") + toolorch_log_level_name(level) + "] " + message;
  for (size_t i = 0; i < n; ++i) {
    if (!*values[i]) continue;
    line += std::string(" ") + keys[i] + "=";
    // Values with spaces are quoted so a line stays one record.
    line += std::strpbrk(values[i], " \t\"") ? json_string(values[i]) : values[i];
  }
  emit_line(line, progress);
}

void log_json_line(int level, const char *message, const char *const *keys, const char *const *values, size_t n,
                   void *progress) {
  std::string line = "{\"level\":" + json_string(toolorch_log_level_name(level)) + ",\"msg\":" + json_string(message);
  for (size_t i = 0; i < n; ++i) line += "," + json_string(keys[i]) + ":" + json_string(values[i]);
  line += "}";
  emit_line(line, progress);
}

}  // namespace

bool parse_obs_config(const cJSON *section, ObsArgs *out, std::string *err) {
  if (!section) return true;
  if (!cJSON_IsObject(section)) {
    *err = "observability: must be an object";
    return false;
  }
  for (const cJSON *v = section->child; v; v = v->next) {
    std::string key = v->string;
    auto text = [&](std::optional<std::string> *slot) {
      if (!cJSON_IsString(v)) {
        *err = "observability." + key + ": must be a string";
        return false;
      }
      *slot = v->valuestring;
      return true;
    };
    if (key == "metrics_listen") {
      if (!text(&out->metrics_listen)) return false;
    } else if (key == "metrics_file") {
      if (!text(&out->metrics_file)) return false;
    } else if (key == "otlp_endpoint") {
      if (!text(&out->otlp_endpoint)) return false;
    } else if (key == "service_name") {
      if (!text(&out->service_name)) return false;
    } else if (key == "trace_sample") {
      if (!cJSON_IsNumber(v)) {
        *err = "observability.trace_sample: must be a number in [0, 1]";
        return false;
      }
      out->trace_sample = v->valuedouble;
    } else if (key == "log_json") {
      if (!cJSON_IsBool(v)) {
        *err = "observability.log_json: must be a boolean";
        return false;
      }
      out->log_json = cJSON_IsTrue(v);
    } else {
      *err = "observability: unknown key \"" + key + "\"" +
             did_you_mean(key, {"metrics_listen", "metrics_file", "otlp_endpoint", "service_name", "trace_sample",
                                "log_json"});
      return false;
    }
  }
  return true;
}

void merge_obs_args(const ObsArgs &cli, ObsArgs *into) {
  if (cli.metrics_listen) into->metrics_listen = cli.metrics_listen;
  if (cli.metrics_file) into->metrics_file = cli.metrics_file;
  if (cli.otlp_endpoint) into->otlp_endpoint = cli.otlp_endpoint;
  if (cli.service_name) into->service_name = cli.service_name;
  if (cli.trace_sample) into->trace_sample = cli.trace_sample;
  into->log_json = into->log_json || cli.log_json;
}

bool apply_obs_options(const ObsArgs &a, toolorch_opts *opts, std::string *err) {
  auto check = [&](int rc, const char *what) {
    if (rc == TOOLORCH_OK) return true;
    *err = std::string(what) + ": " + toolorch_opts_last_error(opts);
    return false;
  };
  if (a.metrics_listen &&
      !check(toolorch_opts_set_string(opts, "observability.metrics_listen", a.metrics_listen->c_str()), "metrics listen"))
    return false;
  if (a.otlp_endpoint &&
      !check(toolorch_opts_set_string(opts, "observability.otlp_endpoint", a.otlp_endpoint->c_str()), "otlp endpoint"))
    return false;
  if (a.service_name &&
      !check(toolorch_opts_set_string(opts, "observability.service_name", a.service_name->c_str()), "service name"))
    return false;
  if (a.trace_sample &&
      !check(toolorch_opts_set_double(opts, "observability.trace_sample", *a.trace_sample), "trace sample"))
    return false;
  return true;
}

void attach_logs(toolorch_ctx *ctx, bool json, Progress *progress) {
  // Plain and none print at once (as before); tty and jsonl through the Progress.
  bool via = progress && (progress->mode() == ProgressMode::kTty || progress->mode() == ProgressMode::kJsonl);
  // The live area says what the info lines would (job started, retrying...):
  // on a terminal only warnings and errors scroll above it.
  int level = progress && progress->mode() == ProgressMode::kTty ? TOOLORCH_LOG_WARN : TOOLORCH_LOG_INFO;
  toolorch_set_log_fn(ctx, json ? log_json_line : log_human, via ? progress : nullptr, level);
}

bool write_metrics_file(toolorch_ctx *ctx, const std::string &path, std::string *err) {
  char *text = toolorch_metrics_text(ctx);
  if (!text) {
    *err = toolorch_last_error(ctx);
    return false;
  }
  std::string tmp = path + ".tmp";
  FILE *f = std::fopen(tmp.c_str(), "w");
  bool ok = f && std::fputs(text, f) >= 0;
  if (f && std::fclose(f) != 0) ok = false;
  std::free(text);
  // Whole or not at all: a scraper of the file never reads half of it.
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    *err = "cannot write " + path + ": " + std::strerror(errno);
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace toolorch::cli

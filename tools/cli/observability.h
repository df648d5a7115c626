// The CLI's observability: --metrics-listen, --metrics-file, --otlp-endpoint,
// --trace-sample, --log-json and the config's "observability" section (the
// same keys, plus "service_name"). Kept apart from the progress display.
#pragma once

#include <cjson/cJSON.h>

#include <optional>
#include <string>

#include <toolorch/toolorch.h>

namespace toolorch::cli {

struct ObsArgs {
  std::optional<std::string> metrics_listen, metrics_file, otlp_endpoint, service_name;
  std::optional<double> trace_sample;
  bool log_json = false;
};

// The config's "observability" object (may be null) into *out; false and
// *err naming the key when it has an unknown key or a wrong type.
bool parse_obs_config(const cJSON *section, ObsArgs *out, std::string *err);
// Command-line values win over the config's.
void merge_obs_args(const ObsArgs &cli, ObsArgs *into);
// The library's "observability" options from them.
bool apply_obs_options(const ObsArgs &a, toolorch_opts *opts, std::string *err);
// Log lines on stderr: "toolorch: [warn] message key=value ..." or one JSON
// object a line with --log-json.
class Progress;
void attach_logs(toolorch_ctx *ctx, bool json, Progress *progress);
// Write the exposition text to path (at the end of the run).
bool write_metrics_file(toolorch_ctx *ctx, const std::string &path, std::string *err);

}  // namespace toolorch::cli

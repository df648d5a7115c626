// The command line of `toolorch`:
//   toolorch run --config agent.json [--provider openai|anthropic] [--model M]
//                [--base-url URL] [--max-parallel N] [--tool-timeout-ms N]
//                [--llm-timeout-ms N] [--total-timeout-ms N] [--max-rounds N]
//                [--eager safe|all|off] [--speculate model|history|off] [--no-stream] [--json]
//                [--metrics-listen ADDR:PORT] [--metrics-file PATH] [--otlp-endpoint URL]
//                [--trace-sample RATIO] [--log-json] [--progress tty|plain|jsonl|none] "prompt"
//   toolorch validate [--config] agent.json
//   toolorch serve [--port N] [--script FILE]
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "observability.h"

namespace toolorch::cli {

enum class Command { kRun, kValidate, kServe };

struct CliArgs {
  Command command = Command::kRun;
  std::string config_path;
  std::optional<std::string> progress;  // tty | plain | jsonl | none (default: tty on a TTY, else plain)
  int serve_port = 0;                   // serve: 0 = a free port
  std::optional<std::string> script_path;  // serve: the script
  std::string prompt;
  std::optional<std::string> provider, model, base_url, eager, speculate;
  std::optional<int64_t> max_parallel, tool_timeout_ms, llm_timeout_ms, total_timeout_ms, max_rounds;
  bool no_stream = false;
  bool json = false;
  ObsArgs obs;  // --metrics-listen, --metrics-file, --otlp-endpoint, --trace-sample, --log-json
};

enum class ArgsOutcome { kRun, kHelp, kVersion, kError };

// argv as main() got it. kError leaves the reason in *err.
ArgsOutcome parse_args(int argc, char **argv, CliArgs *out, std::string *err);

const char *usage_text();

}  // namespace toolorch::cli

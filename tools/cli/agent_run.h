// `toolorch run`: build a context from the config with the public C API
// (owned-loop mode: the library runs its loop on a thread of its own and this
// program reads events from its queue), register the tools, start the job,
// report each tool call on stderr, print the answer (or the transcript).
#pragma once

#include "cli_args.h"
#include "config.h"

#include <string>
#include <vector>

namespace toolorch::cli {

enum ExitCode { kExitOk = 0, kExitJobFailed = 1, kExitBadConfig = 2, kExitInterrupted = 130 };

// The exit status of the program. errors: what load_config found; the rest
// of the config is checked too, and all of them are reported before
// anything starts.
int run_agent(const CliArgs &args, AgentConfig &config, std::vector<std::string> errors);
// `toolorch validate`: every error of the config, nothing started.
int validate_config(const CliArgs &args);
// `toolorch serve`: the scripted LLM server in the foreground until SIGINT/SIGTERM.
int serve_mock(const CliArgs &args);

}  // namespace toolorch::cli

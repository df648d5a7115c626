// `toolorch run`: build a context from the config with the public C API
// (owned-loop mode: the library runs its loop on a thread of its own and this
// program reads events from its queue), register the tools, start the job,
// report each tool call on stderr, print the answer (or the transcript).
#pragma once

#include "cli_args.h"
#include "config.h"

namespace toolorch::cli {

enum ExitCode { kExitOk = 0, kExitJobFailed = 1, kExitBadConfig = 2, kExitInterrupted = 130 };

// The exit status of the program.
int run_agent(const CliArgs &args, AgentConfig &config);

}  // namespace toolorch::cli

// toolorch: run an agent from a JSON config. See README.md in this folder.
#include <toolorch/toolorch.h>

#include <cstdio>
#include <string>

#include "agent_run.h"
#include "cli_args.h"
#include "config.h"

int main(int argc, char **argv) {
  using namespace toolorch::cli;
  CliArgs args;
  std::string err;
  switch (parse_args(argc, argv, &args, &err)) {
    case ArgsOutcome::kHelp:
      std::fputs(usage_text(), stdout);
      return kExitOk;
    case ArgsOutcome::kVersion:
      std::printf("toolorch %s\n", toolorch_version());
      return kExitOk;
    case ArgsOutcome::kError:
      std::fprintf(stderr, "toolorch: %s (see toolorch --help)\n", err.c_str());
      return kExitBadConfig;
    case ArgsOutcome::kRun:
      break;
  }
  AgentConfig config;
  if (!load_config(args.config_path, &config, &err)) {
    std::fprintf(stderr, "toolorch: bad config: %s\n", err.c_str());
    return kExitBadConfig;
  }
  return run_agent(args, config);
}

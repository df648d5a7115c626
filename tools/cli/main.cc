// toolorch: run an agent from a JSON config. See README.md in this folder.
#include <toolorch/toolorch.h>

#include <cstdio>
#include <string>
#include <vector>

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
  if (args.command == Command::kValidate) return validate_config(args);
  if (args.command == Command::kServe) return serve_mock(args);
  AgentConfig config;
  std::vector<std::string> errors;
  load_config(args.config_path, &config, &errors);
  return run_agent(args, config, errors);
}

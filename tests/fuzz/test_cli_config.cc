// The agent config file of `toolorch run` (tools/cli/config.cc): read whole,
// unknown keys refused by name. Property: a refusal says why.
#include <string>
#include <vector>

#include "config.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  toolorch::cli::AgentConfig config;
  std::vector<std::string> errors;
  if (!toolorch::cli::parse_config(text, &config, &errors)) {
    FUZZ_CHECK(!errors.empty());
    for (const std::string &e : errors) FUZZ_CHECK(!e.empty());
    return 0;
  }
  FUZZ_CHECK(errors.empty());
  FUZZ_CHECK(config.llm && config.options && config.job);
  for (const auto &tool : config.tools) {
    FUZZ_CHECK(tool.http_url.has_value() != tool.command_json.has_value());
  }
  return 0;
}

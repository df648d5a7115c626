// The options JSON of a context (toolorch_opts_set_json): the core keys and
// every section a layer owns ("rate_limits", "llm", "job", ...) are parsed
// from the host's text. Properties: a refusal names why and leaves the
// options as they were (all-or-nothing); an accepted document can be merged
// again.
#include <string>

#include "core/options.h"
#include "fuzz_input.h"
#include "json/json.h"
#include "toolorch/status.h"

using namespace toolorch;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  core::Options opts;
  std::string before = json::canonical(opts.doc());
  int rc = opts.merge_json(text);
  if (rc != TOOLORCH_OK) {
    FUZZ_CHECK(rc < 0);
    FUZZ_CHECK(!opts.last_error().empty());
    FUZZ_CHECK(json::canonical(opts.doc()) == before);
    return 0;
  }
  std::string after = json::canonical(opts.doc());
  core::Options again;
  FUZZ_CHECK(again.merge_json(after) == TOOLORCH_OK);
  FUZZ_CHECK(json::canonical(again.doc()) == after);
  return 0;
}

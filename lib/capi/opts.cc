// toolorch_opts_*: typed setters and the JSON form over one key table.
#include <toolorch/opts.h>

#include "capi/border.h"
#include "capi/handles.h"

using toolorch::capi::guarded;
using toolorch::capi::guarded_ptr;

namespace {
// A NULL opts leaves its detail in toolorch_last_error(NULL); anything else
// in toolorch_opts_last_error(opts).
int check(toolorch_opts *opts, const char *key) {
  if (!opts) return toolorch::capi::invalid(nullptr, "toolorch_opts_set_*", "opts is NULL");
  if (!key) {
    opts->options.set_string("", "");  // records "option key is empty"
    return TOOLORCH_EINVAL;
  }
  return TOOLORCH_OK;
}
}  // namespace

extern "C" {

toolorch_opts *toolorch_opts_new(void) {
  return guarded_ptr<toolorch_opts>(nullptr, [] { return new toolorch_opts(); });
}

void toolorch_opts_free(toolorch_opts *opts) { delete opts; }

int toolorch_opts_set_int(toolorch_opts *opts, const char *key, int64_t value) {
  int rc = check(opts, key);
  if (rc) return rc;
  return guarded(opts, [&]() -> int { return opts->options.set_int(key, value); });
}

int toolorch_opts_set_double(toolorch_opts *opts, const char *key, double value) {
  int rc = check(opts, key);
  if (rc) return rc;
  return guarded(opts, [&]() -> int { return opts->options.set_double(key, value); });
}

int toolorch_opts_set_bool(toolorch_opts *opts, const char *key, int value) {
  int rc = check(opts, key);
  if (rc) return rc;
  return guarded(opts, [&]() -> int { return opts->options.set_bool(key, value != 0); });
}

int toolorch_opts_set_string(toolorch_opts *opts, const char *key, const char *value) {
  int rc = check(opts, key);
  if (rc) return rc;
  if (!value) {
    opts->options.note_error(std::string("option \"") + key + "\": the value is NULL");
    return TOOLORCH_EINVAL;
  }
  return guarded(opts, [&]() -> int { return opts->options.set_string(key, value); });
}

int toolorch_opts_from_json(toolorch_opts *opts, const char *json) {
  if (!opts) return toolorch::capi::invalid(nullptr, "toolorch_opts_from_json", "opts is NULL");
  if (!json) {
    opts->options.note_error("toolorch_opts_from_json: json is NULL");
    return TOOLORCH_EINVAL;
  }
  return guarded(opts, [&]() -> int { return opts->options.merge_json(json); });
}

const char *toolorch_opts_last_error(const toolorch_opts *opts) {
  if (!opts) return "";
  return opts->options.last_error().c_str();
}

}  // extern "C"

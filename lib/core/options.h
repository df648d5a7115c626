// The options of a context. One table of keys serves the typed setters and
// the JSON form alike, so both reject the same unknown keys by name.
// Sections owned by other layers ("rate_limits", "llm", ...) are kept as JSON
// and checked by those layers' parsers.
#pragma once

#include <cstdint>
#include <string>

#include "json/json.h"

namespace toolorch::core {

struct CoreOptions {
  int max_parallel_tools = 64;
  int64_t tool_timeout_ms = 30000;
  int worker_threads = 4;
  int64_t max_args_bytes = 1 << 20;
  int64_t max_result_bytes = 16 << 20;
  // A result over max_result_bytes: fail the call (ETOOBIG) or keep its
  // first bytes with an explicit marker (core/result_store.h).
  enum class ResultPolicy { kFail, kTruncate } max_result_policy = ResultPolicy::kFail;
  int64_t max_result_bytes_to_model = 0;  // 0: the model gets what the host gets
  // The result store (core/result_store.h).
  bool compress_results = false;
  int64_t compress_threshold_bytes = 4096;
  int64_t max_memory_bytes = 0;  // 0: no budget, nothing spills
  std::string spill_dir;         // "": $TMPDIR, else /tmp
  int max_json_depth = 64;
  bool emit_call_started = false;
  bool emit_progress_events = false;  // LLM_REQUEST, LLM_RESPONSE, LLM_RETRY, RATE_LIMIT_WAIT
};

class Options {
 public:
  Options();
  Options(const Options &o);
  Options &operator=(const Options &o);

  int set_int(const std::string &key, int64_t v);
  int set_double(const std::string &key, double v);
  int set_bool(const std::string &key, bool v);
  int set_string(const std::string &key, const std::string &v);
  // Merge a JSON object; all-or-nothing.
  int merge_json(const std::string &text);

  const CoreOptions &core() const { return core_; }
  // The whole configuration as JSON (sections included); never null.
  const cJSON *doc() const { return doc_.get(); }
  const cJSON *section(const char *name) const;
  const std::string &last_error() const { return err_; }
  // A failure found before the table was consulted (a NULL argument).
  void note_error(std::string e) { err_ = std::move(e); }

 private:
  int set_value(const std::string &key, cJSON *value);  // takes value
  int apply(cJSON *doc);                                // validate doc into core_
  json::Ptr doc_;
  CoreOptions core_;
  std::string err_;
};

}  // namespace toolorch::core

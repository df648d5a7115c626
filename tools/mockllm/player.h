// Turns a request into a plan: which round of the script to play, with which
// faults. Owns the fault bookkeeping (how many requests each fault has hit).
// Not thread-safe: the server calls it under its lock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mockllm/request.h"
#include "mockllm/script.h"

namespace toolorch::mockllm {

struct PlannedCall {
  std::string id;  // filled by the server (unique per server)
  std::string name;
  std::string arguments;
};

struct Plan {
  enum class Action {
    kAnswer,       // the round's content (possibly cut by drop/stream error)
    kHttpError,    // http_status with the provider's error body
    kEmptyBody,    // 200, nothing in it
    kNonJsonBody,  // 200, garbage in it
  };
  Action action = Action::kAnswer;
  int round = 0;
  int http_status = 200;
  std::string error_message;
  int retry_after_s = -1;
  int retry_after_ms = -1;
  std::string text;  // placeholders expanded
  std::vector<PlannedCall> calls;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int ttfb_ms = 0;
  int chunk_gap_ms = 0;
  int chunk_bytes = 16;
  int drop_after_calls = -1;   // >= 0: close the connection after that many complete calls
  int error_after_calls = -1;  // >= 0: an error event after that many complete calls
  std::vector<std::string> faults;  // names of the faults applied, for /stats
};

class Player {
 public:
  explicit Player(Script script);

  // The plan for one request. Counts the request against its round's faults.
  Plan next(const ParsedRequest &request);
  // Forget how often each fault was used: the script plays from the start.
  void rearm();

  const Script &script() const { return script_; }

 private:
  bool fault_matches(size_t i, int round) const;

  Script script_;
  std::vector<int> fault_uses_;
};

}  // namespace toolorch::mockllm

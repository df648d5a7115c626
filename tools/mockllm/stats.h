// What the server saw, for GET /stats. Plain counters: the server guards
// them with its lock.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace toolorch::mockllm {

struct Stats {
  int64_t requests_total = 0;
  int64_t requests_openai = 0;
  int64_t requests_anthropic = 0;
  int64_t requests_openai_responses = 0;
  int64_t requests_gemini = 0;
  int64_t streamed = 0;
  int64_t bad_requests = 0;         // not JSON, no messages: answered 400
  std::vector<int64_t> round_requests;  // requests per played round (attempts included)
  std::map<std::string, int64_t> faults_injected;  // by fault kind as written
  int64_t tool_calls_issued = 0;    // calls whose start went out
  int64_t tool_results_seen = 0;    // results in the requests' last turns
  int64_t unknown_result_ids = 0;   // results answering no id this server issued
  int64_t missing_results = 0;      // calls of the last assistant turn left without a result
  int64_t duplicate_results = 0;    // two results for one call in one turn
  int64_t is_error_results = 0;     // Anthropic tool_result.is_error, Gemini response.error
  int64_t signature_mismatches = 0; // Gemini: a thoughtSignature not sent back exactly
  int64_t active_streams = 0;       // streamed answers under way
  int64_t completed_streams = 0;
  int64_t dropped_streams = 0;      // closed on purpose by drop_mid_stream
  int64_t clients_gone = 0;         // the client left before the answer ended

  std::string to_json() const;
};

}  // namespace toolorch::mockllm

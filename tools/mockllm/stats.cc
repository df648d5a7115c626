#include "mockllm/stats.h"

#include "mockllm/text_util.h"

namespace toolorch::mockllm {

std::string Stats::to_json() const {
  auto n = [](int64_t v) { return std::to_string(v); };
  std::string s = "{\"requests\":{\"total\":" + n(requests_total) + ",\"openai\":" + n(requests_openai) +
                  ",\"anthropic\":" + n(requests_anthropic) +
                  ",\"openai_responses\":" + n(requests_openai_responses) + ",\"gemini\":" + n(requests_gemini) + "},\"streamed\":" + n(streamed) +
                  ",\"bad_requests\":" + n(bad_requests) + ",\"round_requests\":[";
  for (size_t i = 0; i < round_requests.size(); ++i) s += (i ? "," : "") + n(round_requests[i]);
  s += "],\"faults_injected\":{";
  bool first = true;
  for (const auto &kv : faults_injected) {
    if (!first) s += ",";
    first = false;
    append_json_string(&s, kv.first);
    s += ":" + n(kv.second);
  }
  s += "},\"tool_calls_issued\":" + n(tool_calls_issued) + ",\"tool_results_seen\":" + n(tool_results_seen) +
       ",\"unknown_result_ids\":" + n(unknown_result_ids) + ",\"missing_results\":" + n(missing_results) +
       ",\"duplicate_results\":" + n(duplicate_results) + ",\"is_error_results\":" + n(is_error_results) +
       ",\"signature_mismatches\":" + n(signature_mismatches) +
       ",\"active_streams\":" + n(active_streams) + ",\"completed_streams\":" + n(completed_streams) +
       ",\"dropped_streams\":" + n(dropped_streams) + ",\"clients_gone\":" + n(clients_gone) + "}";
  return s;
}

}  // namespace toolorch::mockllm

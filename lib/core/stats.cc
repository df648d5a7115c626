#include "core/stats.h"

namespace toolorch::core {

int64_t Stats::get(const std::string &key) const {
  struct Entry {
    const char *name;
    const std::atomic<int64_t> Stats::*field;
  };
  static const Entry kEntries[] = {
      {"calls_submitted", &Stats::calls_submitted}, {"calls_started", &Stats::calls_started},
      {"calls_succeeded", &Stats::calls_succeeded}, {"calls_failed", &Stats::calls_failed},
      {"calls_cancelled", &Stats::calls_cancelled}, {"calls_timed_out", &Stats::calls_timed_out},
      {"late_completions", &Stats::late_completions}, {"max_running", &Stats::max_running},
      {"running", &Stats::running},                 {"waiting", &Stats::waiting},
      {"retries", &Stats::retries},
      {"results_truncated", &Stats::results_truncated},
      {"results_too_big", &Stats::results_too_big},
      {"speculation_guesses", &Stats::spec_guesses},
      {"speculation_hits", &Stats::spec_hits},
      {"speculation_cancelled", &Stats::spec_cancelled},
      {"speculation_wasted", &Stats::spec_wasted},
      {"speculation_wasted_tool_us", &Stats::spec_wasted_tool_us},
      {"speculation_saved_us", &Stats::spec_saved_us},
      {"speculation_dropped_side_effects", &Stats::spec_dropped_side_effects},
      {"speculation_dropped_over_cap", &Stats::spec_dropped_over_cap},
      {"speculation_dropped_below_threshold", &Stats::spec_dropped_below_threshold},
      {"speculation_dropped_unknown_tool", &Stats::spec_dropped_unknown_tool},
      {"speculation_dropped_invalid_arguments", &Stats::spec_dropped_invalid_arguments},
      {"speculation_dropped_rate_limited", &Stats::spec_dropped_rate_limited},
      {"speculation_source_failures", &Stats::spec_source_failures},
      {"speculation_preempted", &Stats::spec_preempted},
  };
  for (const Entry &e : kEntries)
    if (key == e.name) return (this->*e.field).load(std::memory_order_relaxed);
  return -1;
}

}  // namespace toolorch::core

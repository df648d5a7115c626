// Counters of a context: written on the loop thread, read from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace toolorch::core {

struct Stats {
  std::atomic<int64_t> calls_submitted{0}, calls_started{0}, calls_succeeded{0}, calls_failed{0},
      calls_cancelled{0}, calls_timed_out{0}, late_completions{0}, max_running{0}, running{0},
      waiting{0}, retries{0};
  // Results over max_result_bytes: cut (policy "truncate") or failed ("fail").
  std::atomic<int64_t> results_truncated{0}, results_too_big{0};
  // Speculation (core/speculation.h): guesses received, hits, guesses
  // cancelled / finished unasked, their tool time, time saved by hits,
  // guesses dropped before starting (by reason), failed sources, guesses
  // cancelled to free a slot for a real call.
  std::atomic<int64_t> spec_guesses{0}, spec_hits{0}, spec_cancelled{0}, spec_wasted{0}, spec_wasted_tool_us{0},
      spec_saved_us{0}, spec_dropped_side_effects{0}, spec_dropped_over_cap{0}, spec_dropped_below_threshold{0},
      spec_dropped_unknown_tool{0}, spec_dropped_invalid_arguments{0}, spec_dropped_rate_limited{0},
      spec_source_failures{0}, spec_preempted{0};

  // -1 for an unknown key.
  int64_t get(const std::string &key) const;
  void note_running(int64_t now_running) {
    running.store(now_running, std::memory_order_relaxed);
    if (now_running > max_running.load(std::memory_order_relaxed))
      max_running.store(now_running, std::memory_order_relaxed);
  }
};

}  // namespace toolorch::core

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
  };
  for (const Entry &e : kEntries)
    if (key == e.name) return (this->*e.field).load(std::memory_order_relaxed);
  return -1;
}

}  // namespace toolorch::core

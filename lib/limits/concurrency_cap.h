// At most `max` calls of a service running at once. Every call costs one
// slot whatever its token cost; release() gives it back. It never frees
// with time alone, so a waiter blocked here is woken by a release, not by
// the timer (available_at answers kOnRelease). Local to the process: slots
// held by a crashed process could not be recovered from Redis.
#pragma once

#include "limits/limiter.h"

namespace toolorch::limits {

class ConcurrencyCap final : public Limiter {
 public:
  explicit ConcurrencyCap(int max) : max_(max) {}
  Micros available_at(Micros now, double) override { return in_use_ < max_ ? now : kOnRelease; }
  void take(Micros, double) override { ++in_use_; }
  void give_back(Micros, double) override {
    if (in_use_ > 0) --in_use_;
  }
  const char *algorithm() const override { return "concurrency"; }
  int in_use() const { return in_use_; }
  int max() const { return max_; }

 private:
  int max_;
  int in_use_ = 0;
};

}  // namespace toolorch::limits

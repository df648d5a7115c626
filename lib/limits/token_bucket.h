// Token bucket: holds at most `capacity` tokens (the burst), refilled by
// `amount` every `interval_us` in whole steps (a step refill, not a
// continuous one, so its times are exact integers the Lua twin in
// redis_scripts.cc reproduces bit for bit). A full bucket banks no time:
// the first step after it is taken from comes one interval later.
#pragma once

#include "limits/limiter.h"

namespace toolorch::limits {

class TokenBucket final : public Limiter {
 public:
  TokenBucket(double capacity, double amount, Micros interval_us);
  Micros available_at(Micros now, double cost) override;
  void take(Micros now, double cost) override;
  void give_back(Micros now, double cost) override;
  const char *algorithm() const override { return "token_bucket"; }
  double tokens(Micros now) {
    refill(now);
    return tokens_;
  }

 private:
  void refill(Micros now);
  double capacity_;
  double amount_;
  Micros interval_us_;
  double tokens_ = 0;
  Micros last_ = 0;  // time of the last refill step (or of the last full moment)
  bool started_ = false;
};

}  // namespace toolorch::limits

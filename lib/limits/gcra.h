// GCRA (generic cell rate algorithm): one number of state, the theoretical
// arrival time (TAT). Each cost unit advances it by the emission interval
// T; a request is allowed while TAT - now stays within burst * T. It is a
// token bucket with continuous refill, without a refill loop.
#pragma once

#include "limits/limiter.h"

namespace toolorch::limits {

class Gcra final : public Limiter {
 public:
  // emission_us: microseconds per cost unit (window / limit); burst: cost
  // units that may be had at once (>= 1).
  Gcra(double emission_us, double burst);
  Micros available_at(Micros now, double cost) override;
  void take(Micros now, double cost) override;
  void give_back(Micros now, double cost) override;
  const char *algorithm() const override { return "gcra"; }

 private:
  double tat(Micros now) const;
  double emission_us_;
  double burst_;
  double tat_ = 0;
  bool started_ = false;
};

}  // namespace toolorch::limits

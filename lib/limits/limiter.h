// The Limiter interface: ask whether a cost can be had now, or when.
//
// Every algorithm answers "the earliest time at which `cost` can be taken"
// instead of a yes/no, so the waiting queue arms ONE timer at the next
// permit time rather than polling. All times are loop::Micros on the
// scheduler's clock; state advances lazily from the `now` passed in (the
// clock must not go backwards between calls).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "loop/scheduler.h"

namespace toolorch::limits {

using loop::Micros;

// available_at() sentinels. Both compare greater than any real time, so
// the earliest time of several limiters is simply their maximum.
constexpr Micros kOnRelease = INT64_MAX - 1;  // only a release() can free it
constexpr Micros kNever = INT64_MAX;          // cost exceeds the capacity

// Tolerance for comparing fractional costs (token counts are doubles).
constexpr double kCostEpsilon = 1e-9;

class Limiter {
 public:
  virtual ~Limiter() = default;
  // now when cost can be taken at once, a later time when it can be had
  // then (if nothing else is taken first), kOnRelease or kNever.
  virtual Micros available_at(Micros now, double cost) = 0;
  // Take cost now, even beyond what is available (a correction after the
  // fact may put the limiter into debt, paid back by time).
  virtual void take(Micros now, double cost) = 0;
  // Return cost taken earlier (a cancelled grant, an over-estimate).
  virtual void give_back(Micros now, double cost) = 0;
  virtual const char *algorithm() const = 0;

  bool try_take(Micros now, double cost) {
    if (available_at(now, cost) > now) return false;
    take(now, cost);
    return true;
  }
};

// One limiter and what a request costs it (a service's `calls` limiter is
// charged 1 per call, its `tokens` limiter the call's token cost).
struct Charge {
  Limiter *limiter;
  double cost;
};

// The earliest time all charges can be had together (the maximum).
Micros earliest(const std::vector<Charge> &charges, Micros now);
// All or none: takes every charge if all are available now.
bool take_all(const std::vector<Charge> &charges, Micros now);
void give_back_all(const std::vector<Charge> &charges, Micros now);

// Whole microseconds from seconds, rounded up and at least 1.
Micros seconds_to_us(double s);

}  // namespace toolorch::limits

#include "limits/limiter.h"

#include <algorithm>
#include <cmath>

namespace toolorch::limits {

Micros earliest(const std::vector<Charge> &charges, Micros now) {
  Micros at = now;
  for (const Charge &c : charges) at = std::max(at, c.limiter->available_at(now, c.cost));
  return at;
}

bool take_all(const std::vector<Charge> &charges, Micros now) {
  // Single-threaded (loop thread): checking all first, then taking all, is
  // atomic with respect to every other request.
  if (earliest(charges, now) > now) return false;
  for (const Charge &c : charges) c.limiter->take(now, c.cost);
  return true;
}

void give_back_all(const std::vector<Charge> &charges, Micros now) {
  for (const Charge &c : charges) c.limiter->give_back(now, c.cost);
}

Micros seconds_to_us(double s) {
  double exact = s * 1e6;
  // 0.1 s * 1e6 may come out a hair above 100000: take the whole number
  // when it is that close, round up otherwise (never faster than asked).
  double us = std::fabs(exact - std::round(exact)) < 1e-6 ? std::round(exact) : std::ceil(exact);
  if (!(us >= 1)) return 1;
  if (us > 1e15) return static_cast<Micros>(1e15);
  return static_cast<Micros>(us);
}

}  // namespace toolorch::limits

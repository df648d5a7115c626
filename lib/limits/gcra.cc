#include "limits/gcra.h"

#include <algorithm>
#include <cmath>

namespace toolorch::limits {

Gcra::Gcra(double emission_us, double burst) : emission_us_(emission_us), burst_(burst) {}

double Gcra::tat(Micros now) const {
  double n = static_cast<double>(now);
  return started_ ? std::max(tat_, n) : n;
}

Micros Gcra::available_at(Micros now, double cost) {
  if (cost > burst_ + kCostEpsilon) return kNever;
  // Same operations, same order as the Lua script: results agree exactly.
  double allow_at = (tat(now) + cost * emission_us_) - burst_ * emission_us_;
  if (allow_at <= static_cast<double>(now)) return now;
  return static_cast<Micros>(std::ceil(allow_at));
}

void Gcra::take(Micros now, double cost) {
  tat_ = tat(now) + cost * emission_us_;
  started_ = true;
}

void Gcra::give_back(Micros now, double cost) {
  tat_ = std::max(static_cast<double>(now), tat(now) - cost * emission_us_);
  started_ = true;
}

}  // namespace toolorch::limits

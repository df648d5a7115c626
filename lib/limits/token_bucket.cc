#include "limits/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace toolorch::limits {

TokenBucket::TokenBucket(double capacity, double amount, Micros interval_us)
    : capacity_(capacity), amount_(amount), interval_us_(std::max<Micros>(1, interval_us)) {}

void TokenBucket::refill(Micros now) {
  if (!started_) {
    started_ = true;
    tokens_ = capacity_;
    last_ = now;
    return;
  }
  if (now > last_) {
    Micros steps = (now - last_) / interval_us_;
    if (steps > 0) {
      tokens_ = std::min(capacity_, tokens_ + static_cast<double>(steps) * amount_);
      last_ += steps * interval_us_;
    }
  }
  if (tokens_ >= capacity_) last_ = now;
}

Micros TokenBucket::available_at(Micros now, double cost) {
  refill(now);
  if (cost > capacity_ + kCostEpsilon) return kNever;
  if (tokens_ + kCostEpsilon >= cost) return now;
  double steps = std::ceil((cost - tokens_) / amount_);
  return last_ + static_cast<Micros>(steps) * interval_us_;
}

void TokenBucket::take(Micros now, double cost) {
  refill(now);
  tokens_ -= cost;
}

void TokenBucket::give_back(Micros now, double cost) {
  refill(now);
  tokens_ = std::min(capacity_, tokens_ + cost);
  if (tokens_ >= capacity_) last_ = now;
}

}  // namespace toolorch::limits

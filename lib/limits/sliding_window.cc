#include "limits/sliding_window.h"

#include <algorithm>

namespace toolorch::limits {

SlidingWindow::SlidingWindow(double limit, Micros window_us)
    : limit_(limit), window_us_(std::max<Micros>(1, window_us)) {}

void SlidingWindow::trim(Micros now) {
  // A grant at t leaves the window at t + window (inclusive), the same
  // bound as ZREMRANGEBYSCORE -inf (now - window) in the script.
  while (!entries_.empty() && entries_.front().at <= now - window_us_) {
    sum_ -= entries_.front().cost;
    entries_.pop_front();
  }
  if (entries_.empty()) sum_ = 0;  // no drift from fractional costs
}

Micros SlidingWindow::available_at(Micros now, double cost) {
  trim(now);
  if (cost > limit_ + kCostEpsilon) return kNever;
  if (sum_ + cost <= limit_ + kCostEpsilon) return now;
  double freed = 0;
  for (const Entry &e : entries_) {
    freed += e.cost;
    if (sum_ - freed + cost <= limit_ + kCostEpsilon) return e.at + window_us_;
  }
  return kNever;  // unreachable while cost <= limit
}

void SlidingWindow::take(Micros now, double cost) {
  trim(now);
  if (cost <= 0) return;
  entries_.push_back({now, cost});
  sum_ += cost;
}

void SlidingWindow::give_back(Micros now, double cost) {
  trim(now);
  while (cost > 0 && !entries_.empty()) {
    Entry &e = entries_.front();
    double cut = std::min(cost, e.cost);
    e.cost -= cut;
    sum_ -= cut;
    cost -= cut;
    if (e.cost <= kCostEpsilon) entries_.pop_front();
  }
  if (entries_.empty()) sum_ = 0;
}

}  // namespace toolorch::limits

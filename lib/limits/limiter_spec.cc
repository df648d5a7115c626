#include "limits/limiter_spec.h"

#include <cstdio>

#include "limits/gcra.h"
#include "limits/sliding_window.h"
#include "limits/token_bucket.h"

namespace toolorch::limits {

LimiterSpec make_spec(Algorithm a, double limit, double window_s, double burst, double refill_interval_s) {
  LimiterSpec s;
  s.algorithm = a;
  double window_us = static_cast<double>(seconds_to_us(window_s));
  switch (a) {
    case Algorithm::kSlidingWindow:
      s.p1 = limit;
      s.p2 = window_us;
      break;
    case Algorithm::kTokenBucket:
      s.p1 = burst > 0 ? burst : limit;
      if (refill_interval_s > 0) {
        s.p3 = static_cast<double>(seconds_to_us(refill_interval_s));
        s.p2 = limit * s.p3 / window_us;
      } else {
        // One unit per step, the step rounded up to whole microseconds:
        // never faster than configured.
        s.p3 = static_cast<double>(seconds_to_us(window_s / limit));
        s.p2 = 1;
      }
      break;
    case Algorithm::kGcra:
      s.p1 = window_us / limit;
      s.p2 = burst > 0 ? burst : limit;
      break;
  }
  return s;
}

std::unique_ptr<Limiter> make_limiter(const LimiterSpec &s) {
  switch (s.algorithm) {
    case Algorithm::kTokenBucket:
      return std::make_unique<TokenBucket>(s.p1, s.p2, static_cast<Micros>(s.p3));
    case Algorithm::kGcra: return std::make_unique<Gcra>(s.p1, s.p2);
    case Algorithm::kSlidingWindow: break;
  }
  return std::make_unique<SlidingWindow>(s.p1, static_cast<Micros>(s.p2));
}

std::string number_text(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void append_script_args(const LimiterSpec &s, double cost, std::vector<std::string> *args) {
  args->push_back(number_text(s.p1));
  args->push_back(number_text(s.p2));
  args->push_back(number_text(s.p3));
  args->push_back(number_text(cost));
}

}  // namespace toolorch::limits

// One limiter's numbers, from which both its local object and its Redis
// script arguments are built, so the two can never disagree.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "limits/config.h"
#include "limits/limiter.h"

namespace toolorch::limits {

struct LimiterSpec {
  Algorithm algorithm = Algorithm::kSlidingWindow;
  // The script's p1 p2 p3 (see redis_scripts.h):
  //   sliding_window: limit, window_us, 0
  //   token_bucket:   capacity, amount per step, step_us
  //   gcra:           emission_us per cost unit, burst, 0
  double p1 = 0, p2 = 0, p3 = 0;
};

// `limit` per `window_s`; burst and refill_interval_s as in ServiceConfig
// (0: defaults).
LimiterSpec make_spec(Algorithm a, double limit, double window_s, double burst = 0,
                      double refill_interval_s = 0);
std::unique_ptr<Limiter> make_limiter(const LimiterSpec &s);
// Appends p1 p2 p3 cost.
void append_script_args(const LimiterSpec &s, double cost, std::vector<std::string> *args);
// Shortest text that reads back as the same double (%.17g).
std::string number_text(double v);

}  // namespace toolorch::limits

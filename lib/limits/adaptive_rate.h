// Adaptive backpressure: AIMD on a service's effective call rate.
//
// A 429, a Retry-After, or x-ratelimit-remaining-* at or below a low mark
// multiplies the rate by `decrease` (at most once per cooldown, so the
// many calls already in flight when the provider pushed back do not cut it
// to the floor); each success adds `increase` x the reference rate back,
// until the reference is reached and the pacer switches off. While cut,
// it paces calls at one per 1/rate (no burst); a Retry-After also holds
// every call until it has passed. The reference is the configured calls
// per second, or for a service without one the rate observed over the
// last second when the first cut came.
#pragma once

#include <deque>
#include <limits>

#include "limits/limiter.h"

namespace toolorch::limits {

struct AdaptiveConfig {
  double decrease = 0.5;       // rate factor on a cut, in (0, 1)
  double increase = 0.05;      // reference fraction added back per success
  double min_fraction = 0.05;  // floor, as a fraction of the reference
  double cooldown_s = 1.0;     // at most one cut per cooldown
  int64_t low_requests = 1;    // remaining requests at or below: cut
  int64_t low_tokens = 0;      // remaining tokens at or below: cut
};

class AdaptiveRate final : public Limiter {
 public:
  // configured_rate: calls per second from the config, 0 if none.
  AdaptiveRate(double configured_rate, const AdaptiveConfig &cfg);

  // retry_after_ms / remaining_*: negative when the response had none.
  void on_response(Micros now, long http_status, int64_t retry_after_ms, int64_t remaining_requests,
                   int64_t remaining_tokens);
  // Effective calls per second now: the configured rate (infinity if none)
  // while not cut.
  double rate() const;
  bool is_cut() const { return cut_; }
  Micros paused_until() const { return pause_until_; }
  uint64_t cuts() const { return cuts_; }

  Micros available_at(Micros now, double cost) override;
  void take(Micros now, double cost) override;  // records a grant
  void give_back(Micros, double) override {}
  const char *algorithm() const override { return "adaptive"; }

 private:
  void cut(Micros now);
  double observed_rate(Micros now);
  double configured_;
  AdaptiveConfig cfg_;
  bool cut_ = false;
  double reference_ = 0;
  double rate_ = 0;
  Micros last_cut_ = std::numeric_limits<Micros>::min();
  Micros pause_until_ = 0;
  Micros last_grant_ = std::numeric_limits<Micros>::min();
  std::deque<Micros> recent_;  // grant times over the last second
  uint64_t cuts_ = 0;
};

}  // namespace toolorch::limits

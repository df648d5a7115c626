// Sliding window, the *sliding log* variant: every grant is kept with its
// time and cost; a grant made at t counts against every window that
// contains t, i.e. until t + window. Error bound: none — in ANY interval
// of length `window` (not only aligned ones) the costs granted never sum
// to more than `limit`, and a request is refused only when granting it
// would break that. The price is memory: one entry per grant still in
// the window (at most limit / smallest cost). The fixed-window and the
// two-bucket "sliding window counter" approximations were rejected: both
// can admit up to 2x the limit in an unaligned window.
#pragma once

#include <deque>

#include "limits/limiter.h"

namespace toolorch::limits {

class SlidingWindow final : public Limiter {
 public:
  SlidingWindow(double limit, Micros window_us);
  Micros available_at(Micros now, double cost) override;
  void take(Micros now, double cost) override;
  // Lowers the OLDEST entries: conservative, since the entry of the call
  // being corrected is at least that old, so capacity comes back no
  // earlier than it exactly would.
  void give_back(Micros now, double cost) override;
  const char *algorithm() const override { return "sliding_window"; }
  double used(Micros now) {
    trim(now);
    return sum_;
  }

 private:
  struct Entry {
    Micros at;
    double cost;
  };
  void trim(Micros now);
  double limit_;
  Micros window_us_;
  std::deque<Entry> entries_;
  double sum_ = 0;
};

}  // namespace toolorch::limits

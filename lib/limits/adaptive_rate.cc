#include "limits/adaptive_rate.h"

#include <algorithm>
#include <cmath>

namespace toolorch::limits {
namespace {
constexpr Micros kSecond = 1000000;
constexpr size_t kMaxRecent = 100000;  // bounds memory for very fast services
}  // namespace

AdaptiveRate::AdaptiveRate(double configured_rate, const AdaptiveConfig &cfg)
    : configured_(configured_rate > 0 ? configured_rate : 0), cfg_(cfg) {}

double AdaptiveRate::rate() const {
  if (cut_) return rate_;
  return configured_ > 0 ? configured_ : std::numeric_limits<double>::infinity();
}

double AdaptiveRate::observed_rate(Micros now) {
  while (!recent_.empty() && recent_.front() <= now - kSecond) recent_.pop_front();
  return static_cast<double>(recent_.size());
}

void AdaptiveRate::cut(Micros now) {
  if (cfg_.cooldown_s > 0 && last_cut_ != std::numeric_limits<Micros>::min() &&
      now < last_cut_ + seconds_to_us(cfg_.cooldown_s))
    return;
  if (!cut_) {
    reference_ = configured_ > 0 ? configured_ : std::max(1.0, observed_rate(now));
    rate_ = reference_;
    cut_ = true;
  }
  rate_ = std::max(reference_ * cfg_.min_fraction, rate_ * cfg_.decrease);
  last_cut_ = now;
  ++cuts_;
}

void AdaptiveRate::on_response(Micros now, long http_status, int64_t retry_after_ms,
                               int64_t remaining_requests, int64_t remaining_tokens) {
  bool pushed_back = http_status == 429;
  if (retry_after_ms > 0) {
    pause_until_ = std::max(pause_until_, now + retry_after_ms * 1000);
    pushed_back = true;
  }
  if (remaining_requests >= 0 && remaining_requests <= cfg_.low_requests) pushed_back = true;
  if (remaining_tokens >= 0 && remaining_tokens <= cfg_.low_tokens) pushed_back = true;
  if (pushed_back) {
    cut(now);
    return;
  }
  bool success = http_status >= 200 && http_status < 400;
  if (success && cut_) {
    rate_ += reference_ * cfg_.increase;
    if (rate_ >= reference_) cut_ = false;  // fully regrown: the pacer is off
  }
}

Micros AdaptiveRate::available_at(Micros now, double) {
  Micros at = std::max(now, pause_until_);
  if (cut_ && last_grant_ != std::numeric_limits<Micros>::min()) {
    auto gap = static_cast<Micros>(std::ceil(1e6 / rate_));
    at = std::max(at, last_grant_ + gap);
  }
  return at;
}

void AdaptiveRate::take(Micros now, double) {
  last_grant_ = now;
  if (configured_ <= 0) {
    if (recent_.size() >= kMaxRecent) recent_.pop_front();
    recent_.push_back(now);
    observed_rate(now);
  }
}

}  // namespace toolorch::limits

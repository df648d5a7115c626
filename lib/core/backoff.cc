#include "core/backoff.h"

#include <algorithm>

namespace toolorch::core {

int64_t backoff_delay_ms(const BackoffPolicy &p, int retry, int64_t retry_after_ms, std::mt19937_64 &rng) {
  if (retry < 1) retry = 1;
  int64_t delay = p.base_ms;
  switch (p.kind) {
    case BackoffPolicy::Kind::kExponential:
      for (int i = 1; i < retry && delay < p.max_ms; ++i) delay *= 2;
      break;
    case BackoffPolicy::Kind::kLinear:
      delay = p.base_ms * retry;
      break;
    case BackoffPolicy::Kind::kFixed:
      break;
  }
  delay = std::min(delay, p.max_ms);
  if (p.jitter && delay > 0) delay = std::uniform_int_distribution<int64_t>(0, delay)(rng);
  if (retry_after_ms >= 0) delay = std::max(delay, retry_after_ms);
  return delay;
}

}  // namespace toolorch::core

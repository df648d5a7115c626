// Retry delays: exponential, linear or fixed growth, capped, with full
// jitter (a uniform draw in [0, delay]) so that many clients retrying at
// once spread out instead of stampeding together.
#pragma once

#include <cstdint>
#include <random>

namespace toolorch::core {

struct BackoffPolicy {
  enum class Kind { kExponential, kLinear, kFixed } kind = Kind::kExponential;
  int64_t base_ms = 500;
  int64_t max_ms = 30000;
  bool jitter = true;
};

// The delay before retry number `retry` (1 = the first retry). A server's
// Retry-After (>= 0) is honoured as a floor: never retry earlier than asked.
int64_t backoff_delay_ms(const BackoffPolicy &p, int retry, int64_t retry_after_ms, std::mt19937_64 &rng);

}  // namespace toolorch::core

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

// The longest Retry-After honoured (60 s, as the official OpenAI and
// Anthropic SDKs). A longer one is not waited for: the job (or the call)
// ends at once with the server's answer instead of sleeping on it.
constexpr int64_t kMaxRetryAfterMs = 60000;

// The delay before retry number `retry` (1 = the first retry): the policy's
// jittered delay, capped by max_ms; then a server's Retry-After (>= 0, at
// most kMaxRetryAfterMs: the caller checks) is honoured as a floor, even
// above max_ms -- never retry earlier than asked.
int64_t backoff_delay_ms(const BackoffPolicy &p, int retry, int64_t retry_after_ms, std::mt19937_64 &rng);

}  // namespace toolorch::core

// The "rate_limits" configuration (issue 4) and its JSON form. Every name
// is documented in lib/limits/README.md; unknown keys are rejected, and
// every error names the key path ("rate_limits.services.openai.calls").
#pragma once

#include <cjson/cJSON.h>

#include <map>
#include <string>

#include "limits/adaptive_rate.h"
#include "loop/scheduler.h"

namespace toolorch::limits {

enum class Algorithm { kSlidingWindow, kTokenBucket, kGcra };
enum class Backpressure { kWait, kFail, kAdaptive };
enum class Backend { kLocal, kRedis };

const char *algorithm_name(Algorithm a);
const char *backpressure_name(Backpressure b);

struct ServiceConfig {
  double calls = 0;        // calls per window; 0: no call limit
  double tokens = 0;       // tokens per window; 0: no token limit
  double window_s = 1;     // the window both apply to
  int concurrency = 0;     // calls at once; 0: no cap
  bool has_algorithm = false;
  Algorithm algorithm = Algorithm::kSlidingWindow;  // when has_algorithm
  double burst = 0;        // token_bucket/gcra: calls at once (0: = calls)
  double refill_interval_s = 0;  // token_bucket: step length (0: one call's worth)
  bool has_backpressure = false;
  Backpressure backpressure = Backpressure::kWait;  // when has_backpressure
};

struct Config {
  double global_max = 0;     // calls per global_window_s, all services together; 0: none
  double global_window_s = 1;
  Algorithm algorithm = Algorithm::kSlidingWindow;  // default for services and global
  std::map<std::string, ServiceConfig> services;
  Backend backend = Backend::kLocal;
  std::string redis_url;
  std::string key_prefix = "toolorch:";
  Backpressure backpressure = Backpressure::kWait;
  bool fail_open = true;
  double redis_timeout_ms = 250;          // one request's deadline
  double redis_connect_timeout_ms = 1000;
  double reconnect_min_ms = 100;          // backoff: doubles up to the max
  double reconnect_max_ms = 5000;
  AdaptiveConfig adaptive;

  Algorithm algorithm_of(const ServiceConfig &s) const { return s.has_algorithm ? s.algorithm : algorithm; }
  Backpressure backpressure_of(const ServiceConfig *s) const {
    return s && s->has_backpressure ? s->backpressure : backpressure;
  }
};

// Parses the object under "rate_limits" (NULL gives the defaults: no
// limits). False with *err naming the key on any unknown key, wrong type
// or value out of range; *out is then unspecified.
bool parse_config(const cJSON *rate_limits, Config *out, std::string *err);

// Checks a Config built by typed setters the same way (service names, ranges).
bool validate_config(const Config &cfg, std::string *err);

}  // namespace toolorch::limits

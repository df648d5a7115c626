// toolorch_limits_*: what the rate limits are doing now.
#include <toolorch/limits.h>

#include <cmath>

#include "capi/border.h"
#include "capi/handles.h"

using toolorch::capi::guarded;

extern "C" {

double toolorch_limits_current_rate(toolorch_ctx *ctx, const char *service) {
  if (!ctx || !service) return -1;
  double rate = -1;
  guarded(ctx, [&]() -> int {
    return ctx->on_loop([&]() -> int {
      if (auto *l = ctx->engine->limits()) rate = l->current_rate(service);
      return TOOLORCH_OK;
    });
  });
  return rate;
}

int64_t toolorch_limits_stat(toolorch_ctx *ctx, const char *service, const char *key) {
  if (!ctx || !key) return -1;
  int64_t out = -1;
  std::string k(key);
  guarded(ctx, [&]() -> int {
    return ctx->on_loop([&]() -> int {
      auto *l = ctx->engine->limits();
      if (!l) return TOOLORCH_OK;
      if (!service) {
        auto b = l->backend_stats();
        if (k == "redis_connected") out = b.connected;
        else if (k == "redis_fallbacks") out = int64_t(b.fallbacks);
        else if (k == "redis_failed_closed") out = int64_t(b.failed_closed);
        else if (k == "redis_errors") out = int64_t(b.redis_errors);
        return TOOLORCH_OK;
      }
      auto s = l->stats(service);
      if (k == "granted") out = int64_t(s.granted);
      else if (k == "waited") out = int64_t(s.waited);
      else if (k == "rejected") out = int64_t(s.rejected);
      else if (k == "timed_out") out = int64_t(s.timed_out);
      else if (k == "wait_us_total") out = s.wait_us_total;
      else if (k == "waiting") out = int64_t(l->waiting(service));
      return TOOLORCH_OK;
    });
  });
  return out;
}

}  // extern "C"

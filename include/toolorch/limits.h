/* toolorch — rate limits: what they are doing now. The limits themselves
 * are options (the "rate_limits" section, typed setters with dotted keys
 * or JSON), e.g.
 *   {"rate_limits": {"global_max": 100,
 *     "services": {"openai": {"calls": 50, "tokens": 150000, "window_s": 60},
 *                  "database": {"calls": 1000, "concurrency": 50}},
 *     "backend": "redis", "redis_url": "redis://127.0.0.1:6379/0",
 *     "key_prefix": "toolorch:", "backpressure": "adaptive"}}
 *   toolorch_opts_set_int(opts, "rate_limits.services.openai.calls", 50);
 * Every key is listed in lib/limits/README.md; unknown keys are rejected by
 * name. A tool's calls take permits of its service (toolorch_tool_set_service);
 * a job's LLM requests take permits of "llm.service" (default: the protocol
 * name) costing their estimated tokens, corrected by the reported usage.
 * Part of the C ABI: see toolorch.h for the conventions. */
#ifndef TOOLORCH_LIMITS_H
#define TOOLORCH_LIMITS_H

#include <toolorch/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The effective call rate of a service now, in calls per second: the
 * adaptive rate when it has been cut, else the configured one. A negative
 * number when the context has no rate limits; a very large one (infinity)
 * for a service without a call limit. [loop thread] */
TOOLORCH_API double toolorch_limits_current_rate(toolorch_ctx *ctx, const char *service);

/* Counters of a service [loop thread]: "granted", "waited" (granted after
 * waiting), "rejected", "timed_out", "wait_us_total", "waiting" (now).
 * Backend counters with service NULL: "redis_connected", "redis_fallbacks",
 * "redis_failed_closed", "redis_errors". -1 for an unknown key or a context
 * without rate limits. */
TOOLORCH_API int64_t toolorch_limits_stat(toolorch_ctx *ctx, const char *service, const char *key);

#ifdef __cplusplus
}
#endif

#endif /* TOOLORCH_LIMITS_H */

package toolorch

import "toolorch.dev/go/toolorch/internal/capi"

// LimitsStat reads a counter of a service's rate limits
// (include/toolorch/limits.h): "granted", "waited", "rejected", "timed_out",
// "wait_us_total", "waiting". -1 for an unknown key, a context without rate
// limits, or after Close.
func (o *Orchestrator) LimitsStat(service, key string) int64 {
	o.life.RLock()
	defer o.life.RUnlock()
	if o.ctxGone {
		return -1
	}
	return capi.Toolorch_limits_stat(o.c, service, key)
}

// LimitsBackendStat reads a counter of the rate limits' backend:
// "redis_connected", "redis_fallbacks", "redis_failed_closed",
// "redis_errors". -1 as LimitsStat.
func (o *Orchestrator) LimitsBackendStat(key string) int64 {
	o.life.RLock()
	defer o.life.RUnlock()
	if o.ctxGone {
		return -1
	}
	return capi.Toolorch_bind_limits_backend_stat(o.c, key)
}

// CurrentRate is a service's effective call rate now, in calls per second:
// the adaptive rate when it has been cut, else the configured one; +Inf for
// a service without a call limit; negative for a context without rate limits
// (or after Close).
func (o *Orchestrator) CurrentRate(service string) float64 {
	o.life.RLock()
	defer o.life.RUnlock()
	if o.ctxGone {
		return -1
	}
	return capi.Toolorch_limits_current_rate(o.c, service)
}

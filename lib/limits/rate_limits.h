// The facade the core uses: every call asks here for its permits.
//
// Per service: its limiters (calls, tokens, concurrency; several acquired
// atomically, all or none), a FIFO queue of waiters with deadlines, and a
// backpressure strategy (wait, fail, adaptive). One timer wakes the
// queues at the next permit time or deadline; nothing polls. With the
// Redis backend, the calls/tokens/global limits are shared by every
// process through atomic Lua scripts; concurrency caps and the adaptive
// pacer stay local to the process.
//
// Loop thread only (create it there too). `done` never runs inside a call
// into this object: always later, from the loop. Destroying it drops the
// waiters without calling their `done`.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "limits/config.h"
#include "loop/scheduler.h"

struct event_base;

namespace toolorch::limits {

class RateLimits {
 public:
  // base may be null (no Redis then: a Redis config is an error). Never throws.
  static std::unique_ptr<RateLimits> create(loop::Scheduler *sched, event_base *base, const Config &cfg,
                                            std::string *err);
  ~RateLimits();
  RateLimits(const RateLimits &) = delete;
  RateLimits &operator=(const RateLimits &) = delete;

  using Ticket = uint64_t;
  using Done = std::function<void(int status, loop::Micros waited_us)>;
  // One call of `service` costing `cost` tokens: the service's `calls`
  // limit, its concurrency cap and the global limit count it once, its
  // `tokens` limit is charged `cost`. deadline_us: absolute, on the
  // scheduler's clock; <= 0 means none. Returns
  //  TOOLORCH_OK: granted now (done is NOT called);
  //  TOOLORCH_EAGAIN: queued, *ticket set; done runs later exactly once
  //    unless cancel(ticket): OK, TOOLORCH_ETIMEDOUT (deadline passed while
  //    waiting), TOOLORCH_ERATELIMITED, TOOLORCH_EREDIS (fail_closed and
  //    Redis unavailable). With Redis every shared decision is EAGAIN;
  //  TOOLORCH_ERATELIMITED: refused now (strategy "fail", a cost above the
  //    capacity, or the wait can't end before the deadline);
  //  TOOLORCH_EINVAL: cost negative or not finite, or no done.
  // A service with no configured limits is granted at once (unless the
  // global limit says otherwise). Unknown service = no limits of its own.
  int acquire(const std::string &service, double cost, loop::Micros deadline_us, Done done, Ticket *ticket);
  void cancel(Ticket t);                     // no done afterwards; nothing stays taken
  void release(const std::string &service);  // a call ended: frees its concurrency slot
  // Tokens after the fact: charges (or gives back) actual - estimated.
  void correct(const std::string &service, double estimated_cost, double actual_cost);
  // Adaptive backpressure inputs (ignored unless the service's strategy is
  // "adaptive"). Negative retry_after_ms / remaining_*: header absent.
  void on_response(const std::string &service, long http_status, int64_t retry_after_ms,
                   int64_t remaining_requests, int64_t remaining_tokens);
  // Effective calls/s now: the adaptive rate, else the configured one;
  // +infinity when the service has no call limit.
  double current_rate(const std::string &service) const;
  struct ServiceStats {
    uint64_t granted = 0;    // all grants, at once or after waiting
    uint64_t waited = 0;     // grants delivered through done
    uint64_t rejected = 0;   // ERATELIMITED, now or through done
    uint64_t timed_out = 0;  // ETIMEDOUT
    loop::Micros wait_us_total = 0;  // summed waits of the `waited` grants
  };
  ServiceStats stats(const std::string &service) const;
  std::vector<std::string> services() const;

  // --- beyond the core's facade ---
  struct BackendStats {
    bool redis = false;        // the Redis backend is configured
    bool connected = false;    // and its connection is up now
    uint64_t fallbacks = 0;    // decisions made locally because Redis failed (fail_open)
    uint64_t failed_closed = 0;  // EREDIS answers (fail_closed)
    uint64_t redis_errors = 0;   // requests that failed or timed out
    uint64_t refunds = 0;        // grants given back (cancel, deadline, two-phase, late replies)
    uint64_t connects = 0, timeouts = 0, noscript_retries = 0;
    uint64_t connect_attempts = 0;  // connects started (reconnects during an outage included)
  };
  BackendStats backend_stats() const;
  size_t waiting(const std::string &service) const;
  // Where "Redis is down, falling back" and such go; default: stderr.
  void set_logger(std::function<void(const std::string &line)> logger);
  // Sees every grant decided by Redis with the server's TIME (µs) it was
  // decided at: the cross-process tests count admissions by it.
  void set_grant_observer(std::function<void(const std::string &service, int64_t server_time_us)> obs);

  // The error text for a permit that acquire (or its done) refused with
  // status, for a `what` ("call", "LLM request") of service: EREDIS says
  // that Redis is unreachable (fail_closed), not that a limit was reached.
  static std::string refusal_text(int status, const std::string &service, const std::string &what);

  struct Impl;

 private:
  explicit RateLimits(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace toolorch::limits

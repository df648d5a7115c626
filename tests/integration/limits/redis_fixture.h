// For the Redis integration tests: a real libevent loop driven by the test
// thread (borrowed mode: no thread of its own, so no data race to
// reason about), a redis-server of the test's own, and RateLimits on both.
#pragma once

#include <event2/event.h>

#include <functional>
#include <memory>
#include <string>

#include "cmocka_cpp.h"
#include "json/json.h"
#include "limits/config.h"
#include "limits/rate_limits.h"
#include "loop/event_loop.h"
#include "redis_server.h"
#include "toolorch/status.h"

namespace limits_redis_test {

using toolorch::limits::RateLimits;
using toolorch::loop::Micros;

struct Loop {
  event_base *base = event_base_new();
  std::unique_ptr<toolorch::loop::EventLoop> loop;
  Loop() {
    std::string err;
    loop = toolorch::loop::EventLoop::create_borrowed(base, &err);
    if (!loop) fail_msg("event loop: %s", err.c_str());
  }
  ~Loop() {
    loop.reset();
    event_base_free(base);
  }
  // Turns the loop until pred() holds. The cap only keeps a broken build
  // from hanging the suite; a test fails when it is reached.
  bool run_until(const std::function<bool()> &pred, int max_turns = 200000) {
    for (int i = 0; i < max_turns && !pred(); ++i) {
      timeval tv{0, 5000};
      event_base_loopexit(base, &tv);
      event_base_loop(base, EVLOOP_ONCE);
    }
    return pred();
  }
  // Turns the loop for a span of loop-clock time (to let retries happen).
  void run_for(Micros us) {
    Micros end = loop->now_us() + us;
    run_until([&] { return loop->now_us() >= end; });
  }
};

inline void start_redis(toolorch::test::RedisServer *redis) {
  std::string err;
  if (!redis->start(&err)) fail_msg("cannot start redis-server: %s", err.c_str());
}

inline std::unique_ptr<RateLimits> make_limits(Loop *l, const std::string &json, std::string *log = nullptr) {
  std::string err;
  auto doc = toolorch::json::parse(json, &err);
  if (!doc) fail_msg("bad JSON in the test: %s", err.c_str());
  toolorch::limits::Config cfg;
  if (!toolorch::limits::parse_config(doc.get(), &cfg, &err)) fail_msg("config: %s", err.c_str());
  auto rl = RateLimits::create(l->loop.get(), l->base, cfg, &err);
  if (!rl) fail_msg("create: %s", err.c_str());
  rl->set_logger([log](const std::string &line) {
    if (log) *log += line + "\n";
  });
  return rl;
}

// Counts outcomes of done.
struct Tally {
  int ok = 0, eredis = 0, limited = 0, timedout = 0, other = 0;
  int total() const { return ok + eredis + limited + timedout + other; }
  RateLimits::Done done() {
    return [this](int st, Micros) {
      if (st == TOOLORCH_OK) ++ok;
      else if (st == TOOLORCH_EREDIS) ++eredis;
      else if (st == TOOLORCH_ERATELIMITED) ++limited;
      else if (st == TOOLORCH_ETIMEDOUT) ++timedout;
      else ++other;
    };
  }
  // acquire and count an immediate answer the same way.
  void acquire(RateLimits &rl, const std::string &svc, double cost = 1, Micros deadline = 0,
               RateLimits::Ticket *ticket = nullptr) {
    RateLimits::Ticket t = 0;
    int rc = rl.acquire(svc, cost, deadline, done(), &t);
    if (ticket) *ticket = rc == TOOLORCH_EAGAIN ? t : 0;
    if (rc == TOOLORCH_OK) ++ok;
    else if (rc == TOOLORCH_ERATELIMITED) ++limited;
    else if (rc != TOOLORCH_EAGAIN) ++other;
  }
};

}  // namespace limits_redis_test

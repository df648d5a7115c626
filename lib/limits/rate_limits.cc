#include "limits/rate_limits.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "limits/rate_limits_impl.h"
#include "toolorch/status.h"

namespace toolorch::limits {

constexpr Micros kNoTime = std::numeric_limits<Micros>::max();

std::unique_ptr<RateLimits> RateLimits::create(loop::Scheduler *sched, event_base *base, const Config &cfg,
                                               std::string *err) {
  try {
    if (!sched) {
      if (err) *err = "rate limits need a scheduler";
      return nullptr;
    }
    if (!validate_config(cfg, err)) return nullptr;
    if (cfg.backend == Backend::kRedis && !base) {
      if (err) *err = "rate_limits.backend: \"redis\" needs an event loop (no event_base given)";
      return nullptr;
    }
    auto impl = std::make_unique<Impl>();
    impl->sched = sched;
    impl->base = base;
    impl->cfg = cfg;
    Impl *p = impl.get();
    impl->timer = sched->make_timer([p] { p->pump(); });
    if (!impl->timer) {
      if (err) *err = "cannot create a timer";
      return nullptr;
    }
    if (cfg.global_max > 0) {
      impl->global_spec = make_spec(cfg.algorithm, cfg.global_max, cfg.global_window_s);
      impl->global = make_limiter(impl->global_spec);
    }
    for (const auto &[name, sc] : cfg.services) impl->services[name] = impl->make_service(name, &sc);
    if (cfg.backend == Backend::kRedis && !impl->init_redis(err)) return nullptr;
    return std::unique_ptr<RateLimits>(new RateLimits(std::move(impl)));
  } catch (const std::exception &e) {
    if (err) *err = std::string("rate limits: ") + e.what();
    return nullptr;
  }
}

RateLimits::RateLimits(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RateLimits::~RateLimits() {
  *impl_->alive = false;
  // The client first: its pending replies are dropped while all else lives.
  impl_->redis.reset();
}

std::unique_ptr<Service> RateLimits::Impl::make_service(const std::string &name, const ServiceConfig *sc) {
  auto s = std::make_unique<Service>();
  s->name = name;
  if (sc) s->cfg = *sc;
  s->backpressure = cfg.backpressure_of(sc);
  s->algorithm = cfg.algorithm_of(s->cfg);
  const ServiceConfig &c = s->cfg;
  std::string tag = cfg.key_prefix + "{" + name + "}:";
  auto add_keys = [&](const char *limiter) {
    s->keys.push_back(tag + limiter);
    if (s->algorithm == Algorithm::kSlidingWindow) s->keys.push_back(tag + limiter + ":sum");
  };
  if (c.calls > 0) {
    s->calls_spec = make_spec(s->algorithm, c.calls, c.window_s, c.burst, c.refill_interval_s);
    s->calls = make_limiter(s->calls_spec);
    add_keys("calls");
  }
  if (c.tokens > 0) {
    s->tokens_spec = make_spec(s->algorithm, c.tokens, c.window_s, 0, c.refill_interval_s);
    s->tokens = make_limiter(s->tokens_spec);
    add_keys("tokens");
  }
  if (c.concurrency > 0) s->concurrency = std::make_unique<ConcurrencyCap>(c.concurrency);
  if (s->backpressure == Backpressure::kAdaptive)
    s->adaptive = std::make_unique<AdaptiveRate>(c.calls > 0 ? c.calls / c.window_s : 0, cfg.adaptive);
  return s;
}

Service *RateLimits::Impl::service(const std::string &name, bool create) {
  auto it = services.find(name);
  if (it != services.end()) return it->second.get();
  if (!create) return nullptr;
  // Unknown: no limits of its own, but the global limit, the queue and the
  // adaptive strategy still apply, and it has stats.
  auto s = make_service(name, nullptr);
  Service *p = s.get();
  services[name] = std::move(s);
  return p;
}

std::vector<Charge> RateLimits::Impl::charges(Service &s, double cost, bool shared_too) {
  std::vector<Charge> c;
  if (s.concurrency) c.push_back({s.concurrency.get(), 1});
  if (s.adaptive) c.push_back({s.adaptive.get(), 1});
  if (shared_too) {
    if (s.calls) c.push_back({s.calls.get(), 1});
    if (s.tokens) c.push_back({s.tokens.get(), cost});
    if (global) c.push_back({global.get(), 1});
  }
  return c;
}

void RateLimits::Impl::log(const std::string &line) {
  if (logger) {
    logger(line);
  } else {
    std::fprintf(stderr, "toolorch limits: %s\n", line.c_str());
  }
}

void RateLimits::Impl::arm(Micros at) {
  if (at == kNoTime || at >= kOnRelease) return;
  if (!timer->armed() || at < armed_at) {
    timer->arm_at(at);
    armed_at = at;
  }
}

int RateLimits::acquire(const std::string &service, double cost, Micros deadline_us, Done done, Ticket *ticket) {
  try {
    return impl_->acquire(service, cost, deadline_us, std::move(done), ticket);
  } catch (const std::bad_alloc &) {
    return TOOLORCH_ENOMEM;
  } catch (...) {
    return TOOLORCH_EINTERNAL;
  }
}

int RateLimits::Impl::acquire(const std::string &name, double cost, Micros deadline, Done done, Ticket *ticket) {
  if (!std::isfinite(cost) || cost < 0 || !done || !ticket) return TOOLORCH_EINVAL;
  if (deadline < 0) deadline = 0;
  Service &s = *service(name, true);
  Micros now = sched->now_us();
  std::vector<Charge> all = charges(s, cost, true);
  Micros at = earliest(all, now);
  if (at == kNever) {  // more than the capacity: waiting cannot help
    ++s.stats.rejected;
    return TOOLORCH_ERATELIMITED;
  }
  if (uses_redis(s)) {
    if (redis->state() != RedisClient::State::kDown || !cfg.fail_open || !s.queue.empty()) {
      // Shared decisions are Redis's (or EREDIS when fail_closed): always
      // through the queue, in arrival order.
      enqueue(s, cost, deadline, std::move(done), ticket);
      wake_now();
      return TOOLORCH_EAGAIN;
    }
    ++bstats.fallbacks;
    if (!degraded_logged) {
      degraded_logged = true;
      log("Redis unavailable: deciding rate limits locally (fail_open)");
    }
  }
  if (!s.queue.empty()) {  // FIFO: nobody passes the waiters
    if (s.backpressure == Backpressure::kFail) {
      ++s.stats.rejected;
      return TOOLORCH_ERATELIMITED;
    }
    enqueue(s, cost, deadline, std::move(done), ticket);
    return TOOLORCH_EAGAIN;
  }
  if (at <= now) {
    for (const Charge &c : all) c.limiter->take(now, c.cost);  // all were just found free
    ++s.stats.granted;
    return TOOLORCH_OK;
  }
  if (s.backpressure == Backpressure::kFail || (deadline > 0 && at < kOnRelease && at > deadline) ||
      (deadline > 0 && deadline <= now)) {
    ++s.stats.rejected;
    return TOOLORCH_ERATELIMITED;
  }
  enqueue(s, cost, deadline, std::move(done), ticket);
  arm(at);
  return TOOLORCH_EAGAIN;
}

void RateLimits::Impl::enqueue(Service &s, double cost, Micros deadline, Done done, Ticket *ticket) {
  Waiter w;
  w.id = next_ticket++;
  w.cost = cost;
  w.deadline = deadline;
  w.done = std::move(done);
  w.enqueued = sched->now_us();
  w.seq = next_seq++;
  s.queue.push_back(std::move(w));
  auto it = std::prev(s.queue.end());
  tickets[it->id] = {&s, it};
  if (deadline > 0) {
    deadlines.insert({deadline, it->id});
    arm(deadline);
  }
  *ticket = it->id;
}

// Takes the waiter out, giving back whatever it holds in Redis.
void RateLimits::Impl::remove(Service &s, std::list<Waiter>::iterator it) {
  if (it->attempt) {
    auto a = attempts.find(it->attempt);
    if (a != attempts.end()) a->second.orphan = true;
  }
  if (!it->service_grant.empty()) refund(&s, 1, it->service_grant, it->cost);
  if (it->deadline > 0) deadlines.erase({it->deadline, it->id});
  tickets.erase(it->id);
  s.queue.erase(it);
}

void RateLimits::Impl::finish(Service &s, std::list<Waiter>::iterator it, int status) {
  Micros waited = sched->now_us() - it->enqueued;
  switch (status) {
    case TOOLORCH_OK:
      ++s.stats.granted;
      ++s.stats.waited;
      s.stats.wait_us_total += waited;
      break;
    case TOOLORCH_ERATELIMITED: ++s.stats.rejected; break;
    case TOOLORCH_ETIMEDOUT: ++s.stats.timed_out; break;
    case TOOLORCH_EREDIS: ++bstats.failed_closed; break;
    default: break;
  }
  completions.push_back({std::move(it->done), status, waited});
  if (status == TOOLORCH_OK) it->service_grant.clear();  // consumed, not refunded
  remove(s, it);
  wake_now();  // deliver from the timer, never inside the caller's call
}

void RateLimits::Impl::grant_local(Service &s, std::list<Waiter>::iterator it) {
  take_all(charges(s, it->cost, true), sched->now_us());
  finish(s, it, TOOLORCH_OK);
}

RateLimits::Impl::Step RateLimits::Impl::try_head(Service &s, Micros now, Micros *next) {
  auto it = s.queue.begin();
  Waiter &w = *it;
  if (uses_redis(s) && !w.local) {
    if (w.attempt) return Step::kBlocked;  // its reply will wake us
    if (redis->state() == RedisClient::State::kDown) {
      redis_failed(s, it, "redis unavailable");
      return Step::kProgress;  // decided (EREDIS) or now local: look again
    }
    if (w.retry_at > now) {
      *next = std::min(*next, w.retry_at);
      return Step::kBlocked;
    }
    // The process-local parts (concurrency, adaptive pacing) first, so a
    // shared permit is never taken for a call that could not start.
    Micros at = earliest(charges(s, w.cost, false), now);
    if (at > now) {
      if (at < kOnRelease) *next = std::min(*next, at);
      return Step::kBlocked;
    }
    start_attempt(s, w);
    return Step::kBlocked;
  }
  std::vector<Charge> all = charges(s, w.cost, true);
  Micros at = earliest(all, now);
  if (at <= now) {
    grant_local(s, it);
    return Step::kProgress;
  }
  if (at == kNever || s.backpressure == Backpressure::kFail) {
    finish(s, it, TOOLORCH_ERATELIMITED);
    return Step::kProgress;
  }
  if (at < kOnRelease) *next = std::min(*next, at);
  return Step::kBlocked;
}

void RateLimits::Impl::pump() {
  Micros now = sched->now_us();
  armed_at = kNoTime;
  while (!deadlines.empty() && deadlines.begin()->first <= now) {
    auto t = tickets.find(deadlines.begin()->second);
    if (t == tickets.end()) {  // cannot happen: both are kept in step
      deadlines.erase(deadlines.begin());
      continue;
    }
    finish(*t->second.service, t->second.it, TOOLORCH_ETIMEDOUT);
  }
  // Grants go to the earliest arrival among the services' heads first, so
  // a shared global limit is handed out in arrival order.
  std::vector<Service *> active;
  for (auto &[name, s] : services)
    if (!s->queue.empty()) active.push_back(s.get());
  Micros next = kNoTime;
  while (!active.empty()) {
    auto first = std::min_element(active.begin(), active.end(), [](Service *a, Service *b) {
      return a->queue.front().seq < b->queue.front().seq;
    });
    Service &s = **first;
    if (try_head(s, now, &next) == Step::kBlocked || s.queue.empty()) active.erase(first);
  }
  if (!deadlines.empty()) next = std::min(next, deadlines.begin()->first);
  // finish() armed the timer at `now` for these completions; they are
  // delivered here instead, after all state is settled.
  std::vector<Completion> batch;
  batch.swap(completions);
  timer->disarm();
  armed_at = kNoTime;
  arm(next);
  std::weak_ptr<bool> alive_now = alive;
  for (Completion &c : batch) {
    if (alive_now.expired() || !*alive_now.lock()) return;  // a done destroyed us
    c.done(c.status, c.waited);
  }
}

void RateLimits::cancel(Ticket t) {
  Impl &m = *impl_;
  auto it = m.tickets.find(t);
  if (it == m.tickets.end()) return;
  Impl::Where w = it->second;
  w.it->done = nullptr;
  m.remove(*w.service, w.it);
  m.wake_now();  // the next waiter may go now
}

void RateLimits::release(const std::string &service) {
  Service *s = impl_->service(service, false);
  if (!s || !s->concurrency) return;
  s->concurrency->give_back(impl_->sched->now_us(), 1);
  if (!s->queue.empty()) impl_->wake_now();
}

void RateLimits::correct(const std::string &service, double estimated_cost, double actual_cost) {
  Service *s = impl_->service(service, false);
  double delta = actual_cost - estimated_cost;
  if (!s || !s->tokens || !std::isfinite(delta) || delta == 0) return;
  Micros now = impl_->sched->now_us();
  if (delta > 0) {
    s->tokens->take(now, delta);
  } else {
    s->tokens->give_back(now, -delta);
  }
  try {
    if (impl_->redis) impl_->correct_remote(*s, delta);
  } catch (...) {
  }
  if (!s->queue.empty()) impl_->wake_now();
}

void RateLimits::on_response(const std::string &service, long http_status, int64_t retry_after_ms,
                             int64_t remaining_requests, int64_t remaining_tokens) {
  Service *s = impl_->service(service, impl_->cfg.backpressure == Backpressure::kAdaptive);
  if (!s || !s->adaptive) return;
  s->adaptive->on_response(impl_->sched->now_us(), http_status, retry_after_ms, remaining_requests,
                           remaining_tokens);
  if (!s->queue.empty()) impl_->wake_now();  // regrowth may let the head go sooner
}

double RateLimits::current_rate(const std::string &service) const {
  auto it = impl_->services.find(service);
  if (it == impl_->services.end()) return std::numeric_limits<double>::infinity();
  const Service &s = *it->second;
  if (s.adaptive) return s.adaptive->rate();
  if (s.cfg.calls > 0) return s.cfg.calls / s.cfg.window_s;
  return std::numeric_limits<double>::infinity();
}

RateLimits::ServiceStats RateLimits::stats(const std::string &service) const {
  auto it = impl_->services.find(service);
  return it == impl_->services.end() ? ServiceStats{} : it->second->stats;
}

std::vector<std::string> RateLimits::services() const {
  std::vector<std::string> out;
  for (const auto &[name, s] : impl_->services) out.push_back(name);
  return out;
}

size_t RateLimits::waiting(const std::string &service) const {
  auto it = impl_->services.find(service);
  return it == impl_->services.end() ? 0 : it->second->queue.size();
}

RateLimits::BackendStats RateLimits::backend_stats() const {
  BackendStats b = impl_->bstats;
  b.redis = impl_->redis != nullptr;
  if (impl_->redis) {
    b.connected = impl_->redis->state() == RedisClient::State::kReady;
    const auto &c = impl_->redis->counters();
    b.connects = c.connects;
    b.connect_attempts = c.connect_attempts;
    b.timeouts = c.timeouts;
    b.noscript_retries = c.noscript;
  }
  return b;
}

std::string RateLimits::refusal_text(int status, const std::string &service, const std::string &what) {
  if (status == TOOLORCH_EREDIS)
    return "rate limits of service \"" + service + "\" are shared through Redis, which is unreachable: the " +
           what + " was refused (fail_closed)";
  return "rate limit of service \"" + service + "\" refused the " + what;
}

void RateLimits::set_logger(std::function<void(const std::string &)> logger) { impl_->logger = std::move(logger); }

void RateLimits::set_grant_observer(std::function<void(const std::string &, int64_t)> obs) {
  impl_->observer = std::move(obs);
}

}  // namespace toolorch::limits

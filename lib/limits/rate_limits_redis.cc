// The shared half of RateLimits: each waiter at the head of its service's
// queue asks Redis, in two phases when there is a global limit (the
// service's limits, then the global one: different hash tags, so one
// script cannot take both on Redis Cluster). A refused or failed second
// phase refunds the first, so the pair stays all-or-none. Every grant
// that nobody ends up using (cancelled, timed out, late) is refunded by
// its grant id: no call is admitted twice, none is lost.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <random>

#include "limits/rate_limits_impl.h"
#include "limits/redis_scripts.h"
#include "toolorch/status.h"

namespace toolorch::limits {
namespace {

std::string random_id() {
  uint64_t v = 0;
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ssize_t n = read(fd, &v, sizeof v);
    (void)n;
    close(fd);
  }
  v ^= static_cast<uint64_t>(getpid()) << 32;
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

Micros us_of_ms(double ms) { return static_cast<Micros>(ms * 1000); }

}  // namespace

bool RateLimits::Impl::init_redis(std::string *err) {
  RedisClient::Options o;
  std::string why;
  if (!parse_redis_url(cfg.redis_url, &o.address, &why)) {
    if (err) *err = "rate_limits.redis_url: " + why;
    return false;
  }
  o.connect_timeout_us = us_of_ms(cfg.redis_connect_timeout_ms);
  o.reconnect_min_us = us_of_ms(cfg.reconnect_min_ms);
  o.reconnect_max_us = us_of_ms(cfg.reconnect_max_ms);
  redis = make_redis_link(sched, base, o);
  for (Algorithm a : {Algorithm::kSlidingWindow, Algorithm::kTokenBucket, Algorithm::kGcra})
    scripts[static_cast<int>(a)] = redis->add_script(script_text(a));
  client_id = random_id();
  if (global) {
    std::string tag = cfg.key_prefix + "{global}:global";
    global_keys.push_back(tag);
    if (cfg.algorithm == Algorithm::kSlidingWindow) global_keys.push_back(tag + ":sum");
  }
  redis->set_state_listener([this](RedisClient::State st, const std::string &w) { on_redis_state(st, w); });
  redis->start();
  return true;
}

void RateLimits::Impl::on_redis_state(RedisClient::State st, const std::string &why) {
  if (st == RedisClient::State::kReady) {
    if (degraded_logged) log("Redis is back: shared rate limits again");
    degraded_logged = false;
  } else if (st == RedisClient::State::kDown) {
    log("Redis connection down (" + why + ")" +
        (cfg.fail_open ? ": deciding locally meanwhile (fail_open)" : ": refusing calls meanwhile (fail_closed)"));
    degraded_logged = true;
  }
  // Waiting heads must learn of it: decided locally, or EREDIS.
  for (auto &[name, s] : services)
    if (!s->queue.empty()) {
      wake_now();
      break;
    }
}

std::string RateLimits::Impl::new_grant_id() { return client_id + "-" + std::to_string(next_grant++); }

void RateLimits::Impl::start_attempt(Service &s, Waiter &w) {
  Attempt a;
  a.ticket = w.id;
  a.service = &s;
  a.phase = (s.shared() && w.service_grant.empty()) ? 1 : 2;
  a.grant_id = new_grant_id();
  a.cost = w.cost;
  std::vector<std::string> args{"acquire", "", a.grant_id};
  const std::vector<std::string> *keys;
  int script;
  if (a.phase == 1) {
    if (s.calls) append_script_args(s.calls_spec, 1, &args);
    if (s.tokens) append_script_args(s.tokens_spec, w.cost, &args);
    keys = &s.keys;
    script = scripts[static_cast<int>(s.algorithm)];
  } else {
    append_script_args(global_spec, 1, &args);
    keys = &global_keys;
    script = scripts[static_cast<int>(cfg.algorithm)];
  }
  uint64_t id = next_attempt++;
  w.attempt = id;
  attempts[id] = a;
  Attempt copy = a;
  redis->eval(
      script, *keys, args, us_of_ms(cfg.redis_timeout_ms),
      [this, id](const RedisClient::Reply &r) { on_reply(id, r); },
      // The reply after our deadline: the waiter has moved on, so a grant
      // in it must go back.
      [this, copy](const RedisClient::Reply &r) {
        if (r.ok && !r.items.empty() && r.items[0] == "1") refund(copy.service, copy.phase, copy.grant_id, copy.cost);
      });
}

void RateLimits::Impl::on_reply(uint64_t attempt_id, const RedisClient::Reply &r) {
  auto at = attempts.find(attempt_id);
  if (at == attempts.end()) return;
  Attempt a = at->second;
  attempts.erase(at);
  bool granted = r.ok && r.items.size() >= 3 && r.items[0] == "1";
  if (a.orphan) {
    if (granted) refund(a.service, a.phase, a.grant_id, a.cost);
    return;
  }
  auto t = tickets.find(a.ticket);
  if (t == tickets.end()) return;  // cannot happen: removal orphans the attempt
  Service &s = *t->second.service;
  auto it = t->second.it;
  it->attempt = 0;
  wake_now();
  if (!r.ok || r.items.size() < 3) {
    redis_failed(s, it, r.ok ? "malformed script reply" : r.error);
    return;
  }
  const std::string &status = r.items[0];
  int64_t server_now = std::strtoll(r.items[2].c_str(), nullptr, 10);
  if (granted) {
    if (a.phase == 1) {
      it->service_grant = a.grant_id;
      if (global) return;  // phase 2 from the pump
    }
    finalize_remote(s, it, server_now);
    return;
  }
  if (!it->service_grant.empty()) {  // the global limit refused: undo phase 1
    refund(&s, 1, it->service_grant, it->cost);
    it->service_grant.clear();
  }
  if (status != "0" || s.backpressure == Backpressure::kFail) {
    finish(s, it, TOOLORCH_ERATELIMITED);
    return;
  }
  it->retry_at = sched->now_us() + std::max<Micros>(1, std::strtoll(r.items[1].c_str(), nullptr, 10));
}

void RateLimits::Impl::finalize_remote(Service &s, std::list<Waiter>::iterator it, int64_t server_now) {
  Micros now = sched->now_us();
  // Local parts were free when the request left and only this head could
  // have taken them since; take them now.
  for (const Charge &c : charges(s, it->cost, false)) c.limiter->take(now, c.cost);
  // Keep the local shadows in step, so a fall back to them starts from
  // what this process was really granted.
  if (s.calls) s.calls->take(now, 1);
  if (s.tokens) s.tokens->take(now, it->cost);
  if (global) global->take(now, 1);
  if (observer) observer(s.name, server_now);
  finish(s, it, TOOLORCH_OK);
}

void RateLimits::Impl::redis_failed(Service &s, std::list<Waiter>::iterator it, const std::string &why) {
  ++bstats.redis_errors;
  if (!it->service_grant.empty()) {
    refund(&s, 1, it->service_grant, it->cost);
    it->service_grant.clear();
  }
  if (!cfg.fail_open) {
    finish(s, it, TOOLORCH_EREDIS);
    return;
  }
  it->local = true;
  ++bstats.fallbacks;
  if (!degraded_logged) {
    degraded_logged = true;
    log("Redis request failed (" + why + "): deciding locally (fail_open)");
  }
  wake_now();
}

void RateLimits::Impl::refund(Service *s, int phase, const std::string &grant_id, double cost) {
  if (!redis || !s) return;
  ++bstats.refunds;
  std::vector<std::string> args{"refund", "", grant_id};
  if (phase == 1) {
    if (s->calls) append_script_args(s->calls_spec, 1, &args);
    if (s->tokens) append_script_args(s->tokens_spec, cost, &args);
    redis->eval(scripts[static_cast<int>(s->algorithm)], s->keys, args, us_of_ms(cfg.redis_timeout_ms),
                [](const RedisClient::Reply &) {});
  } else {
    append_script_args(global_spec, 1, &args);
    redis->eval(scripts[static_cast<int>(cfg.algorithm)], global_keys, args, us_of_ms(cfg.redis_timeout_ms),
                [](const RedisClient::Reply &) {});
  }
}

void RateLimits::Impl::correct_remote(Service &s, double delta) {
  if (!s.tokens || redis->state() == RedisClient::State::kDown) return;
  std::vector<std::string> args{delta > 0 ? "force" : "reduce", "", new_grant_id()};
  append_script_args(s.tokens_spec, delta > 0 ? delta : -delta, &args);
  // Only the tokens limiter's keys: they follow the calls keys.
  std::vector<std::string> keys(s.keys.end() - keys_per_limiter(s.algorithm), s.keys.end());
  redis->eval(scripts[static_cast<int>(s.algorithm)], keys, args, us_of_ms(cfg.redis_timeout_ms),
              [](const RedisClient::Reply &) {});
}

}  // namespace toolorch::limits

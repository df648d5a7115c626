// RateLimits' state, shared by rate_limits.cc (queues, local decisions)
// and rate_limits_redis.cc (the shared decisions). Not a public header.
#pragma once

#include <list>
#include <map>
#include <set>
#include <unordered_map>

#include "limits/adaptive_rate.h"
#include "limits/concurrency_cap.h"
#include "limits/limiter_spec.h"
#include "limits/rate_limits.h"
#include "limits/redis_client.h"
#include "limits/redis_link.h"

namespace toolorch::limits {

using Ticket = RateLimits::Ticket;

struct Waiter {
  Ticket id = 0;
  double cost = 0;
  Micros deadline = 0;  // 0: none
  RateLimits::Done done;
  Micros enqueued = 0;
  uint64_t seq = 0;            // arrival order, across services
  bool local = false;          // decided by the local limiters (fail_open)
  uint64_t attempt = 0;        // the Redis request in flight, 0: none
  std::string service_grant;   // a service grant waiting for the global one
  Micros retry_at = 0;         // Redis said: not before
};

struct Service {
  std::string name;
  ServiceConfig cfg;
  Backpressure backpressure = Backpressure::kWait;
  Algorithm algorithm = Algorithm::kSlidingWindow;
  // Local limiters: the limits themselves with the local backend, a shadow
  // kept in step with the shared grants with Redis (used on fail_open).
  LimiterSpec calls_spec, tokens_spec;
  std::unique_ptr<Limiter> calls, tokens;
  std::unique_ptr<ConcurrencyCap> concurrency;
  std::unique_ptr<AdaptiveRate> adaptive;
  std::vector<std::string> keys;  // Redis keys of calls then tokens
  std::list<Waiter> queue;
  RateLimits::ServiceStats stats;
  bool shared() const { return calls || tokens; }
};

// A Redis request made for a waiter. Orphaned when the waiter is gone
// (cancelled, timed out) before the reply: a grant is then refunded.
struct Attempt {
  Ticket ticket = 0;
  Service *service = nullptr;
  int phase = 1;  // 1: the service's limits, 2: the global limit
  std::string grant_id;
  double cost = 0;
  bool orphan = false;
};

struct RateLimits::Impl {
  loop::Scheduler *sched = nullptr;
  event_base *base = nullptr;
  Config cfg;
  std::map<std::string, std::unique_ptr<Service>> services;
  struct Where {
    Service *service;
    std::list<Waiter>::iterator it;
  };
  std::unordered_map<Ticket, Where> tickets;
  std::set<std::pair<Micros, Ticket>> deadlines;
  std::unique_ptr<Limiter> global;
  LimiterSpec global_spec;
  std::vector<std::string> global_keys;
  std::unique_ptr<loop::Timer> timer;
  Micros armed_at = 0;
  struct Completion {
    Done done;
    int status;
    Micros waited;
  };
  std::vector<Completion> completions;
  uint64_t next_ticket = 1, next_seq = 1;
  std::function<void(const std::string &)> logger;
  std::function<void(const std::string &, int64_t)> observer;
  BackendStats bstats;
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);

  // Redis (rate_limits_redis.cc)
  std::unique_ptr<RedisLink> redis;  // one server or a cluster
  int scripts[3] = {-1, -1, -1};  // by Algorithm
  std::map<uint64_t, Attempt> attempts;
  uint64_t next_attempt = 1, next_grant = 1;
  std::string client_id;
  bool degraded_logged = false;

  // rate_limits.cc
  Service *service(const std::string &name, bool create);
  std::unique_ptr<Service> make_service(const std::string &name, const ServiceConfig *cfg);
  std::vector<Charge> charges(Service &s, double cost, bool shared_too);
  int acquire(const std::string &name, double cost, Micros deadline, Done done, Ticket *ticket);
  void enqueue(Service &s, double cost, Micros deadline, Done done, Ticket *ticket);
  void remove(Service &s, std::list<Waiter>::iterator it);
  void finish(Service &s, std::list<Waiter>::iterator it, int status);
  void grant_local(Service &s, std::list<Waiter>::iterator it);
  void pump();
  enum class Step { kProgress, kBlocked };
  Step try_head(Service &s, Micros now, Micros *next);
  void arm(Micros at);
  void wake_now() { arm(sched->now_us()); }
  void log(const std::string &line);

  // rate_limits_redis.cc
  bool init_redis(std::string *err);
  bool uses_redis(const Service &s) const { return redis && (s.shared() || global); }
  void start_attempt(Service &s, Waiter &w);
  void on_reply(uint64_t attempt, const RedisClient::Reply &r);
  void finalize_remote(Service &s, std::list<Waiter>::iterator it, int64_t server_now);
  void redis_failed(Service &s, std::list<Waiter>::iterator it, const std::string &why);
  void refund(Service *s, int phase, const std::string &grant_id, double cost);
  void correct_remote(Service &s, double delta);
  void on_redis_state(RedisClient::State st, const std::string &why);
  std::string new_grant_id();
};

}  // namespace toolorch::limits

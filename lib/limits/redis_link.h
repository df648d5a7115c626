// What RateLimits talks to: one Redis server (a RedisClient) or a Redis
// Cluster (a RedisCluster, one RedisClient per master), behind one face.
// The redis_url decides which: redis:// and unix:// give one server,
// redis+cluster:// a cluster (redis_url.h). Loop thread only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "limits/redis_client.h"

namespace toolorch::limits {

class RedisLink {
 public:
  using State = RedisClient::State;
  using Reply = RedisClient::Reply;
  using Callback = RedisClient::Callback;
  using StateListener = RedisClient::StateListener;
  using Counters = RedisClient::Counters;

  virtual ~RedisLink() = default;
  // Register scripts before start(); returns the script's index.
  virtual int add_script(const std::string &text) = 0;
  virtual void start() = 0;
  // As RedisClient::eval: cb exactly once, later, from the loop. All keys
  // of one call must share a hash slot (our keys share a {tag}).
  virtual void eval(int script, const std::vector<std::string> &keys, const std::vector<std::string> &args,
                    loop::Micros timeout_us, Callback cb, Callback late = nullptr) = 0;
  // kReady while at least one server is usable (for a cluster, calls whose
  // slot lives on a server that is down fail one by one: "redis unavailable").
  virtual State state() const = 0;
  virtual void set_state_listener(StateListener l) = 0;
  // Summed over the connections.
  virtual Counters counters() const = 0;
};

std::unique_ptr<RedisLink> make_redis_link(loop::Scheduler *sched, event_base *base, RedisClient::Options opts);

}  // namespace toolorch::limits

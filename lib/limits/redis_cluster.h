// Redis Cluster for the rate limits (redis+cluster://seed,seed,...): one
// RedisClient per master, each request sent to the master that owns the
// hash slot of its keys.
//  - The slot map comes from CLUSTER NODES (a flat text reply: hiredis
//    replies are copied flat by RedisClient), asked of a seed when it
//    connects and again, at most once a second, after a MOVED or when a
//    connection goes down (a replica may have taken over).
//  - MOVED <slot> <ip:port>: the slot's owner is updated at once and the
//    request sent there (up to 5 redirections within its deadline).
//    ASK <slot> <ip:port>: sent there once, preceded by ASKING, without
//    changing the map (a slot being migrated).
//  - A master that is down fails the requests of its slots only ("redis
//    unavailable", at once): RateLimits then decides those services by
//    fail_open/fail_closed, while the services on the other masters keep
//    their shared precision. (The cluster must run with
//    cluster-require-full-coverage no for the survivors to keep answering;
//    with the default they answer CLUSTERDOWN once they see the failure,
//    and every service falls back.)
//  - Only numeric addresses, like RedisClient: CLUSTER NODES gives IPs.
// Loop thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "limits/redis_link.h"

namespace toolorch::limits {

class RedisCluster final : public RedisLink {
 public:
  static constexpr int kSlots = 16384;

  // opts.address.seeds: the nodes to ask for the slot map first.
  RedisCluster(loop::Scheduler *sched, event_base *base, RedisClient::Options opts);
  ~RedisCluster() override;

  int add_script(const std::string &text) override;
  void start() override;
  void eval(int script, const std::vector<std::string> &keys, const std::vector<std::string> &args,
            loop::Micros timeout_us, Callback cb, Callback late = nullptr) override;
  State state() const override { return state_; }
  void set_state_listener(StateListener l) override { listener_ = std::move(l); }
  Counters counters() const override;

  // The hash slot of a key: CRC16 (XMODEM) of its hash tag — the text
  // between the first '{' and the next '}' when not empty — else of the
  // whole key, modulo 16384 (the Redis Cluster specification).
  static int key_slot(std::string_view key);
  // "ip:port" of the master that owns slot as far as we know, or "".
  std::string owner_of(int slot) const;
  bool has_slot_map() const { return map_loaded_; }
  uint64_t moved() const { return moved_; }
  uint64_t asks() const { return asks_; }

 private:
  struct Request;
  RedisClient *node(const std::string &host, int port);
  RedisClient *any_node() const;
  void send(std::shared_ptr<Request> r, RedisClient *to, bool asking);
  bool follow_redirect(const std::shared_ptr<Request> &r, const std::string &error);
  void refresh_soon();
  void refresh();
  bool apply_nodes(const std::string &text, const std::string &asked_host);
  void on_node_state(const std::string &why);

  loop::Scheduler *sched_;
  event_base *base_;
  RedisClient::Options opts_;
  std::vector<std::string> scripts_;
  std::map<std::string, std::unique_ptr<RedisClient>> nodes_;  // by "ip:port"
  std::vector<RedisClient *> slots_;
  bool map_loaded_ = false;
  bool started_ = false;
  bool refreshing_ = false;
  loop::Micros last_refresh_ = 0;
  std::unique_ptr<loop::Timer> refresh_timer_;
  State state_ = State::kDown;
  StateListener listener_;
  uint64_t moved_ = 0, asks_ = 0;
};

}  // namespace toolorch::limits

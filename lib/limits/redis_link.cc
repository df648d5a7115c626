#include "limits/redis_link.h"

#include "limits/redis_cluster.h"

namespace toolorch::limits {
namespace {

// One server: the RedisClient as it is.
class SingleRedis final : public RedisLink {
 public:
  SingleRedis(loop::Scheduler *sched, event_base *base, RedisClient::Options opts)
      : client_(sched, base, std::move(opts)) {}
  int add_script(const std::string &text) override { return client_.add_script(text); }
  void start() override { client_.start(); }
  void eval(int script, const std::vector<std::string> &keys, const std::vector<std::string> &args,
            loop::Micros timeout_us, Callback cb, Callback late) override {
    client_.eval(script, keys, args, timeout_us, std::move(cb), std::move(late));
  }
  State state() const override { return client_.state(); }
  void set_state_listener(StateListener l) override { client_.set_state_listener(std::move(l)); }
  Counters counters() const override { return client_.counters(); }

 private:
  RedisClient client_;
};

}  // namespace

std::unique_ptr<RedisLink> make_redis_link(loop::Scheduler *sched, event_base *base, RedisClient::Options opts) {
  if (opts.address.cluster) return std::make_unique<RedisCluster>(sched, base, std::move(opts));
  return std::make_unique<SingleRedis>(sched, base, std::move(opts));
}

}  // namespace toolorch::limits

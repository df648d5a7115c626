// Rate limits on a real Redis Cluster: three masters on loopback
// (tests/support/redis_test_cluster.h), redis_url "redis+cluster://...".
// Two RateLimits, each with its own connections as two processes would
// have, share every service's limit exactly; then one master is killed:
// the services whose slot lives on a survivor keep their exact shared
// limit, and the services of the dead master follow each instance's
// fail_open / fail_closed, every fallback counted.
#include <string>
#include <vector>

#include "limits/redis_cluster.h"
#include "redis_fixture.h"
#include "redis_test_cluster.h"

using namespace limits_redis_test;
using toolorch::limits::RedisCluster;
using toolorch::test::RedisTestCluster;

namespace {

constexpr int kLimit = 50;  // calls per 60 s: nothing expires during the test
constexpr int kAsks = 40;   // asked by each of the two instances

// For each master, a service whose hash slot it owns (names start with prefix).
std::vector<std::string> one_service_per_master(const RedisTestCluster &cluster, const std::string &prefix) {
  std::vector<std::string> pick(static_cast<size_t>(cluster.size()));
  for (int i = 0, found = 0; found < cluster.size() && i < 1000; ++i) {
    std::string name = prefix + std::to_string(i);
    int owner = cluster.owner_of_slot(RedisCluster::key_slot("{" + name + "}"));
    if (owner < 0) fail_msg("no owner for the slot of %s", name.c_str());
    if (pick[static_cast<size_t>(owner)].empty()) {
      pick[static_cast<size_t>(owner)] = name;
      ++found;
    }
  }
  for (const auto &p : pick)
    if (p.empty()) fail_msg("no service name hashes to one of the masters");
  return pick;
}

std::string config(const std::string &url, bool fail_open, const std::vector<std::string> &services) {
  std::string s = R"({"backend": "redis", "redis_url": ")" + url + R"(", "key_prefix": "cl:", "backpressure": "fail",
      "redis_timeout_ms": 500, "reconnect_min_ms": 50, "reconnect_max_ms": 200, "fail_open": )" +
                  (fail_open ? "true" : "false") + R"(, "services": {)";
  for (size_t i = 0; i < services.size(); ++i)
    s += (i ? ", \"" : "\"") + services[i] + R"(": {"calls": )" + std::to_string(kLimit) + R"(, "window_s": 60})";
  return s + "}}";
}

// Each instance asks kAsks of every service at once; returns when all answered.
void ask_all(Loop &l, RateLimits &a, RateLimits &b, const std::vector<std::string> &services, Tally *ta,
             Tally *tb) {
  for (const auto &s : services)
    for (int i = 0; i < kAsks; ++i) {
      ta->acquire(a, s);
      tb->acquire(b, s);
    }
  int want = static_cast<int>(services.size()) * kAsks;
  if (!l.run_until([&] { return ta->total() == want && tb->total() == want; }))
    fail_msg("not every acquire was answered: %d and %d of %d", ta->total(), tb->total(), want);
}

void shared_limits_then_a_master_killed(void **) {
  RedisTestCluster cluster;
  std::string err;
  if (!cluster.start(3, &err)) fail_msg("cannot start the Redis Cluster: %s", err.c_str());
  std::vector<std::string> before = one_service_per_master(cluster, "before");
  std::vector<std::string> after = one_service_per_master(cluster, "after");
  std::vector<std::string> all = before;
  all.insert(all.end(), after.begin(), after.end());

  Loop l;
  std::string log_open, log_closed;
  auto open = make_limits(&l, config(cluster.url(), true, all), &log_open);
  auto closed = make_limits(&l, config(cluster.url(), false, all), &log_closed);
  if (!l.run_until([&] { return open->backend_stats().connected && closed->backend_stats().connected; }))
    fail_msg("the cluster never became reachable");

  // 1. All masters up: each service's 50 are shared exactly between the two.
  Tally ta, tb;
  ask_all(l, *open, *closed, before, &ta, &tb);
  for (const auto &s : before) {
    uint64_t granted = open->stats(s).granted + closed->stats(s).granted;
    uint64_t rejected = open->stats(s).rejected + closed->stats(s).rejected;
    if (granted != kLimit || rejected != 2 * kAsks - kLimit)
      fail_msg("service %s: granted %llu, rejected %llu (want %d and %d)", s.c_str(),
               static_cast<unsigned long long>(granted), static_cast<unsigned long long>(rejected), kLimit,
               2 * kAsks - kLimit);
  }
  assert_int_equal(ta.ok + tb.ok, 3 * kLimit);
  assert_int_equal(ta.eredis + tb.eredis + ta.other + tb.other, 0);
  assert_int_equal(open->backend_stats().fallbacks, 0);
  assert_int_equal(closed->backend_stats().failed_closed, 0);

  // 2. One master dies.
  const int dead = 1;
  cluster.node(dead).kill();
  Tally ta2, tb2;
  ask_all(l, *open, *closed, after, &ta2, &tb2);
  for (int m = 0; m < cluster.size(); ++m) {
    const std::string &s = after[static_cast<size_t>(m)];
    auto so = open->stats(s), sc = closed->stats(s);
    if (m == dead) {
      // fail_open: decided locally from this instance's own limiter (50 > 40);
      // fail_closed: EREDIS for each.
      assert_int_equal(so.granted, kAsks);
      assert_int_equal(sc.granted, 0);
    } else {
      if (so.granted + sc.granted != kLimit)
        fail_msg("surviving master %d, service %s: granted %llu + %llu (want %d)", m, s.c_str(),
                 static_cast<unsigned long long>(so.granted), static_cast<unsigned long long>(sc.granted), kLimit);
      assert_int_equal(so.rejected + sc.rejected, 2 * kAsks - kLimit);
    }
  }
  // Every call of the dead master's service counted once, and no other.
  assert_int_equal(open->backend_stats().fallbacks, kAsks);
  assert_int_equal(closed->backend_stats().failed_closed, kAsks);
  assert_int_equal(tb2.eredis, kAsks);
  assert_int_equal(ta2.eredis, 0);
  assert_int_equal(ta2.ok, kAsks + (kLimit - static_cast<int>(closed->stats(after[0]).granted)) +
                               (kLimit - static_cast<int>(closed->stats(after[2]).granted)));
  assert_true(log_open.find("fail_open") != std::string::npos);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(shared_limits_then_a_master_killed),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

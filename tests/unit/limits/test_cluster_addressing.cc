// Redis Cluster addressing without a server: the redis+cluster:// URL and
// the hash slot of a key (the values of the Redis Cluster specification).
#include <string>

#include "cmocka_cpp.h"
#include "limits/redis_cluster.h"
#include "limits/redis_url.h"

using toolorch::limits::parse_redis_url;
using toolorch::limits::RedisAddress;
using toolorch::limits::RedisCluster;

namespace {

void key_slot_follows_the_specification(void **) {
  // CRC16("123456789") = 0x31C3 (the spec's test vector): slot 12739.
  assert_int_equal(RedisCluster::key_slot("123456789"), 0x31C3 % 16384);
  assert_int_equal(RedisCluster::key_slot("{user1000}.following"), RedisCluster::key_slot("user1000"));
  assert_int_equal(RedisCluster::key_slot("{user1000}.followers"), RedisCluster::key_slot("user1000"));
  // An empty tag hashes the whole key; only the first {...} counts.
  assert_int_equal(RedisCluster::key_slot("foo{}{bar}"), RedisCluster::key_slot(std::string("foo{}{bar}")));
  assert_int_not_equal(RedisCluster::key_slot("foo{}{bar}"), RedisCluster::key_slot("bar"));
  assert_int_equal(RedisCluster::key_slot("foo{{bar}}zap"), RedisCluster::key_slot("{bar"));
  assert_int_equal(RedisCluster::key_slot("foo{bar}{zap}"), RedisCluster::key_slot("bar"));
  // Our keys: one service's keys share its slot.
  assert_int_equal(RedisCluster::key_slot("toolorch:{search}:calls"),
                   RedisCluster::key_slot("toolorch:{search}:tokens:sum"));
  for (const char *k : {"", "a", "toolorch:{global}:global"}) {
    int s = RedisCluster::key_slot(k);
    assert_true(s >= 0 && s < 16384);
  }
}

void cluster_url_lists_seeds(void **) {
  RedisAddress a;
  std::string err;
  assert_true(parse_redis_url("redis+cluster://127.0.0.1:7000,127.0.0.1:7001,[::1]:7002", &a, &err));
  assert_true(a.cluster);
  assert_int_equal(a.seeds.size(), 3);
  assert_string_equal(a.seeds[1].host.c_str(), "127.0.0.1");
  assert_int_equal(a.seeds[1].port, 7001);
  assert_string_equal(a.seeds[2].host.c_str(), "::1");
  assert_string_equal(a.host.c_str(), "127.0.0.1");
  assert_int_equal(a.port, 7000);

  assert_true(parse_redis_url("redis+cluster://u:pw@localhost:7000/0", &a, &err));
  assert_string_equal(a.password.c_str(), "pw");
  assert_string_equal(a.seeds[0].host.c_str(), "127.0.0.1");

  assert_true(parse_redis_url("redis://127.0.0.1:7000", &a, &err));
  assert_false(a.cluster);
  assert_true(a.seeds.empty());

  struct {
    const char *url, *why;
  } bad[] = {
      {"redis+cluster://127.0.0.1:7000/2", "only database 0"},
      {"redis+cluster://127.0.0.1:7000,,127.0.0.1:7001", "host is missing"},
      {"redis+cluster://127.0.0.1:7000,redis.example:7001", "not a numeric address"},
      {"redis+cluster://127.0.0.1:99999", "port must be"},
      {"rediss://127.0.0.1", "must start with"},
  };
  for (const auto &b : bad) {
    err.clear();
    assert_false(parse_redis_url(b.url, &a, &err));
    if (err.find(b.why) == std::string::npos) fail_msg("%s: error \"%s\" lacks \"%s\"", b.url, err.c_str(), b.why);
  }
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(key_slot_follows_the_specification),
      cmocka_unit_test(cluster_url_lists_seeds),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

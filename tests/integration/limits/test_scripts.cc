// The Lua scripts against the local algorithms, on a real redis-server:
// the same sequence of requests (times pinned through ARGV[2]) gives the
// same answers, grant for grant and wait for wait. Then the scripts as
// RateLimits uses them: NOSCRIPT recovery after SCRIPT FLUSH, the key
// layout and expiry, one limit shared by two clients, refunds of grants
// nobody used, and the two-phase global limit staying all-or-none.
#include <cstdio>
#include <vector>

#include "limits/limiter_spec.h"
#include "limits/redis_client.h"
#include "limits/redis_scripts.h"
#include "limits/redis_url.h"
#include "redis_fixture.h"

using namespace limits_redis_test;
using namespace toolorch::limits;

namespace {

toolorch::test::RedisServer *g_redis;

struct Answer {
  int status;  // 1 granted, 0 wait, -1 never
  Micros wait;
};

Answer run_script(Loop &l, RedisClient &c, int script, const std::vector<std::string> &keys,
                  const std::vector<std::string> &args) {
  bool got = false;
  RedisClient::Reply rep;
  c.eval(script, keys, args, 5000000, [&](const RedisClient::Reply &r) {
    rep = r;
    got = true;
  });
  if (!l.run_until([&] { return got; })) fail_msg("no reply from redis");
  if (!rep.ok || rep.items.size() != 3) fail_msg("script failed: %s", rep.error.c_str());
  return {std::stoi(rep.items[0]), std::stoll(rep.items[1])};
}

struct Rng {
  uint64_t s = 88172645463325252ull;
  uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  int below(int n) { return static_cast<int>(next() % static_cast<uint64_t>(n)); }
};

void lua_equals_local(Algorithm alg, const char *name) {
  Loop l;
  RedisClient::Options o;
  std::string err;
  assert_true(parse_redis_url(g_redis->url(), &o.address, &err));
  RedisClient client(l.loop.get(), l.base, o);
  int script = client.add_script(script_text(alg));
  client.start();
  assert_true(l.run_until([&] { return client.state() == RedisClient::State::kReady; }));

  // Two limiters acquired together, as a service's calls and tokens are.
  LimiterSpec calls = make_spec(alg, 5, 1, alg == Algorithm::kSlidingWindow ? 0 : 3);
  LimiterSpec tokens = make_spec(alg, 40, 2);
  auto lc = make_limiter(calls), lt = make_limiter(tokens);
  std::string tag = std::string("eq:{") + name + "}:";
  std::vector<std::string> keys;
  for (const char *lim : {"calls", "tokens"}) {
    keys.push_back(tag + lim);
    if (keys_per_limiter(alg) == 2) keys.push_back(tag + lim + ":sum");
  }
  std::vector<std::string> tokens_keys(keys.begin() + keys_per_limiter(alg), keys.end());

  Rng rng;
  Micros now = 1700000000000000;
  int granted = 0, refused = 0, never = 0;
  for (int step = 0; step < 400; ++step) {
    now += 1 + (rng.below(4) == 0 ? rng.below(900000) : rng.below(60000));
    std::string t = std::to_string(now), id = "g" + std::to_string(step);
    int kind = rng.below(10);
    if (kind == 0) {  // a correction upwards (into debt), tokens only
      double c = 1 + rng.below(10);
      lt->take(now, c);
      std::vector<std::string> args{"force", t, id};
      append_script_args(tokens, c, &args);
      run_script(l, client, script, tokens_keys, args);
      continue;
    }
    if (kind == 1) {  // an over-estimate given back
      double c = 1 + rng.below(10);
      lt->give_back(now, c);
      std::vector<std::string> args{"reduce", t, id};
      append_script_args(tokens, c, &args);
      run_script(l, client, script, tokens_keys, args);
      continue;
    }
    double cost = rng.below(50) == 0 ? 41 : rng.below(12);  // sometimes above the capacity
    std::vector<Charge> both{{lc.get(), 1}, {lt.get(), cost}};
    Micros at = earliest(both, now);
    Answer local{at <= now ? 1 : (at == kNever ? -1 : 0), at <= now || at == kNever ? 0 : at - now};
    if (local.status == 1) take_all(both, now);
    std::vector<std::string> args{"acquire", t, id};
    append_script_args(calls, 1, &args);
    append_script_args(tokens, cost, &args);
    Answer remote = run_script(l, client, script, keys, args);
    if (remote.status != local.status || remote.wait != local.wait)
      fail_msg("%s step %d (cost %g): redis says %d/%lld, local says %d/%lld", name, step, cost, remote.status,
               static_cast<long long>(remote.wait), local.status, static_cast<long long>(local.wait));
    granted += local.status == 1;
    refused += local.status == 0;
    never += local.status == -1;
  }
  // The sequence must exercise every answer, or it proves little.
  assert_true(granted > 50);
  assert_true(refused > 50);
  assert_true(never > 0);
}

void sliding_window_lua_equals_local(void **) { lua_equals_local(Algorithm::kSlidingWindow, "sw"); }
void token_bucket_lua_equals_local(void **) { lua_equals_local(Algorithm::kTokenBucket, "tb"); }
void gcra_lua_equals_local(void **) { lua_equals_local(Algorithm::kGcra, "gcra"); }

std::string redis_cfg(const std::string &extra) {
  return R"({"backend": "redis", "redis_url": ")" + g_redis->url() + R"(", "key_prefix": "it:", )" + extra + "}";
}

void noscript_recovery_and_key_layout(void **) {
  Loop l;
  auto rl = make_limits(&l, redis_cfg(R"("services": {"api": {"calls": 1000, "window_s": 60}})"));
  Tally tally;
  for (int i = 0; i < 3; ++i) tally.acquire(*rl, "api");
  assert_true(l.run_until([&] { return tally.ok == 3; }));
  std::string out;
  assert_true(g_redis->command({"SCRIPT", "FLUSH"}, &out));
  for (int i = 0; i < 3; ++i) tally.acquire(*rl, "api");
  assert_true(l.run_until([&] { return tally.ok == 6; }));
  assert_true(rl->backend_stats().noscript_retries >= 1);
  assert_int_equal(rl->backend_stats().fallbacks, 0);
  // One limiter's keys share the {service} hash tag and expire.
  assert_true(g_redis->command({"ZCARD", "it:{api}:calls"}, &out));
  assert_string_equal(out.c_str(), "6");
  assert_true(g_redis->command({"GET", "it:{api}:calls:sum"}, &out));
  assert_string_equal(out.c_str(), "6");
  assert_true(g_redis->command({"PTTL", "it:{api}:calls"}, &out));
  assert_true(std::stoll(out) > 0 && std::stoll(out) <= 61000);
}

void two_clients_share_one_limit(void **) {
  Loop l;
  std::string cfg = redis_cfg(R"("algorithm": "gcra", "services": {"shared": {"calls": 5, "window_s": 60}})");
  auto a = make_limits(&l, cfg), b = make_limits(&l, cfg);
  Tally ta, tb;
  for (int i = 0; i < 4; ++i) {
    ta.acquire(*a, "shared");
    tb.acquire(*b, "shared");
  }
  // 5 grants in all; the other 3 wait (12 s per permit at 5 per minute).
  assert_true(l.run_until([&] { return ta.ok + tb.ok == 5; }));
  l.run_for(300000);
  assert_int_equal(ta.ok + tb.ok, 5);
  assert_int_equal(a->waiting("shared") + b->waiting("shared"), 3);
}

void unused_grants_are_refunded(void **) {
  Loop l;
  auto rl = make_limits(&l, redis_cfg(R"("services": {"c": {"calls": 100, "window_s": 60}})"));
  Tally t;
  // Cancelled while its request is in flight: the grant goes back.
  for (int i = 0; i < 10; ++i) {
    RateLimits::Ticket ticket;
    t.acquire(*rl, "c", 1, 0, &ticket);
    rl->cancel(ticket);
  }
  for (int i = 0; i < 5; ++i) t.acquire(*rl, "c");
  assert_true(l.run_until([&] { return t.ok == 5; }));
  std::string out;
  assert_true(l.run_until([&] {
    g_redis->command({"ZCARD", "it:{c}:calls"}, &out);
    return out == "5";
  }));
  assert_int_equal(t.total(), 5);  // the cancelled ones never heard back
}

void global_limit_two_phases_all_or_none(void **) {
  Loop l;
  auto rl = make_limits(&l, redis_cfg(R"("global_max": 3, "global_window_s": 60,
      "services": {"ga": {"calls": 100, "window_s": 60}, "gb": {"calls": 100, "window_s": 60}},
      "backpressure": "fail")"));
  Tally t;
  for (int i = 0; i < 4; ++i) {
    t.acquire(*rl, "ga");
    t.acquire(*rl, "gb");
  }
  assert_true(l.run_until([&] { return t.total() == 8; }));
  assert_int_equal(t.ok, 3);
  assert_int_equal(t.limited, 5);
  // The service grants of the refused calls were refunded.
  std::string a, b;
  assert_true(l.run_until([&] {
    g_redis->command({"ZCARD", "it:{ga}:calls"}, &a);
    g_redis->command({"ZCARD", "it:{gb}:calls"}, &b);
    return std::stoi(a) + std::stoi(b) == 3;
  }));
  assert_true(g_redis->command({"ZCARD", "it:{global}:global"}, &a));
  assert_string_equal(a.c_str(), "3");
}

int setup(void **) {
  static toolorch::test::RedisServer redis;
  std::string err;
  if (!redis.start(&err)) {
    std::fprintf(stderr, "cannot start redis-server: %s\n", err.c_str());
    return -1;
  }
  g_redis = &redis;
  return 0;
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(sliding_window_lua_equals_local),
      cmocka_unit_test(token_bucket_lua_equals_local),
      cmocka_unit_test(gcra_lua_equals_local),
      cmocka_unit_test(noscript_recovery_and_key_layout),
      cmocka_unit_test(two_clients_share_one_limit),
      cmocka_unit_test(unused_grants_are_refunded),
      cmocka_unit_test(global_limit_two_phases_all_or_none),
  };
  return cmocka_run_group_tests(tests, setup, nullptr);
}

// Redis failing under RateLimits: killed mid-run (fail_open and
// fail_closed), hung without closing its socket (our per-request
// deadlines), and coming back (reconnect with backoff). Every waiter hears
// back exactly once; fail_open keeps the process inside its own share.
#include <cstdio>

#include "redis_fixture.h"

using namespace limits_redis_test;

namespace {

std::string cfg(toolorch::test::RedisServer &r, bool fail_open, const std::string &services,
                const char *bp = "wait") {
  return R"({"backend": "redis", "redis_url": ")" + r.url() + R"(", "key_prefix": "fo:", "fail_open": )" +
         (fail_open ? "true" : "false") + R"(, "backpressure": ")" + bp +
         R"(", "redis_timeout_ms": 150, "reconnect_min_ms": 20, "reconnect_max_ms": 100, "services": )" +
         services + "}";
}

void fail_open_keeps_the_local_share(void **) {
  toolorch::test::RedisServer redis;
  start_redis(&redis);
  Loop l;
  std::string log;
  auto rl = make_limits(&l, cfg(redis, true, R"({"api": {"calls": 20, "window_s": 60}})", "fail"), &log);
  int shared = 0;
  rl->set_grant_observer([&](const std::string &, int64_t) { ++shared; });
  Tally t;
  for (int i = 0; i < 10; ++i) t.acquire(*rl, "api");
  assert_true(l.run_until([&] { return t.ok == 10; }));
  assert_int_equal(shared, 10);

  redis.kill();
  assert_true(l.run_until([&] { return !rl->backend_stats().connected; }));
  // Decided locally now, from what this process was granted: 10 more fit.
  Tally local;
  for (int i = 0; i < 15; ++i) local.acquire(*rl, "api");
  assert_true(l.run_until([&] { return local.total() == 15; }));
  assert_int_equal(local.ok, 10);
  assert_int_equal(local.limited, 5);
  assert_true(rl->backend_stats().fallbacks >= 10);
  assert_true(log.find("fail_open") != std::string::npos);

  std::string err;
  assert_true(redis.start(&err));  // same port, empty data
  assert_true(l.run_until([&] { return rl->backend_stats().connected; }));
  Tally back;
  for (int i = 0; i < 3; ++i) back.acquire(*rl, "other");
  assert_true(l.run_until([&] { return back.ok == 3; }));
  assert_true(log.find("back") != std::string::npos);
}

// 200 waiters; Redis dies while they are being served.
void killed_mid_run(bool fail_open) {
  toolorch::test::RedisServer redis;
  start_redis(&redis);
  Loop l;
  auto rl = make_limits(&l, cfg(redis, fail_open, R"({"bulk": {"calls": 100000, "window_s": 1}})"));
  int shared = 0;
  rl->set_grant_observer([&](const std::string &, int64_t) { ++shared; });
  Tally t;
  for (int i = 0; i < 200; ++i) t.acquire(*rl, "bulk");
  assert_true(l.run_until([&] { return t.ok >= 20; }));
  redis.kill();
  assert_true(l.run_until([&] { return t.total() == 200; }));
  l.run_for(300000);
  assert_int_equal(t.total(), 200);  // each exactly once, nothing more later
  assert_int_equal(t.other + t.limited + t.timedout, 0);
  auto b = rl->backend_stats();
  if (fail_open) {
    assert_int_equal(t.ok, 200);
    assert_true(b.fallbacks > 0);
    assert_true(shared < 200);
  } else {
    assert_true(t.eredis > 0);
    assert_int_equal(t.ok, shared);  // nothing granted without Redis
    assert_int_equal(static_cast<int>(b.failed_closed), t.eredis);
  }
  std::string err;
  assert_true(redis.start(&err));
  assert_true(l.run_until([&] { return rl->backend_stats().connected; }));
  Tally after;
  after.acquire(*rl, "bulk");
  assert_true(l.run_until([&] { return after.ok == 1; }));
}

void killed_mid_run_fail_open(void **) { killed_mid_run(true); }
void killed_mid_run_fail_closed(void **) { killed_mid_run(false); }

void hung_server_hits_request_deadlines(void **) {
  toolorch::test::RedisServer redis;
  start_redis(&redis);
  Loop l;
  auto rl = make_limits(&l, cfg(redis, true, R"({"api": {"calls": 1000, "window_s": 1}})"));
  Tally t;
  for (int i = 0; i < 5; ++i) t.acquire(*rl, "api");
  assert_true(l.run_until([&] { return t.ok == 5; }));
  redis.freeze();  // the socket stays open: only our own deadlines notice
  Tally hung;
  for (int i = 0; i < 10; ++i) hung.acquire(*rl, "api");
  assert_true(l.run_until([&] { return hung.total() == 10; }));
  assert_int_equal(hung.ok, 10);
  auto b = rl->backend_stats();
  assert_true(b.timeouts >= 1);
  assert_true(b.fallbacks >= 10);
  assert_false(b.connected);  // several timeouts in a row: the connection was dropped
  redis.thaw();
  assert_true(l.run_until([&] { return rl->backend_stats().connected; }));
  int shared = 0;
  rl->set_grant_observer([&](const std::string &, int64_t) { ++shared; });
  Tally back;
  for (int i = 0; i < 3; ++i) back.acquire(*rl, "api");
  assert_true(l.run_until([&] { return back.ok == 3; }));
  assert_int_equal(shared, 3);
}

void fail_closed_while_down(void **) {
  toolorch::test::RedisServer redis;
  start_redis(&redis);
  Loop l;
  auto rl = make_limits(&l, cfg(redis, false, R"({"api": {"calls": 10}})"));
  redis.kill();
  assert_true(l.run_until([&] { return !rl->backend_stats().connected; }));
  Tally t;
  for (int i = 0; i < 4; ++i) t.acquire(*rl, "api");
  assert_true(l.run_until([&] { return t.total() == 4; }));
  assert_int_equal(t.eredis, 4);
  // A service with no shared limits does not need Redis.
  Tally free_;
  free_.acquire(*rl, "no-limits-here");
  assert_int_equal(free_.ok, 1);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(fail_open_keeps_the_local_share),
      cmocka_unit_test(killed_mid_run_fail_open),
      cmocka_unit_test(killed_mid_run_fail_closed),
      cmocka_unit_test(hung_server_hits_request_deadlines),
      cmocka_unit_test(fail_closed_while_down),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

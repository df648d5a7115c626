// Issue 9, defects 6 and 7, on a real redis-server:
// - a token bucket keeps its key while the debt a `force` (token
//   correction) took is owed: its expiry covers the time to repay it;
// - an outage is logged once when Redis goes down and once when it is
//   back, however many reconnect attempts fail in between.
#include <cstdio>

#include "redis_fixture.h"

using namespace limits_redis_test;

namespace {

size_t count(const std::string &text, const std::string &part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++n;
  return n;
}

void token_bucket_keeps_its_debt(void **) {
  toolorch::test::RedisServer redis;
  start_redis(&redis);
  Loop l;
  // 100 tokens a second (one per 10 ms), capacity 100: full again 1 s after
  // empty, so without debt the key lives about 2 s.
  auto rl = make_limits(&l, R"({"backend": "redis", "redis_url": ")" + redis.url() +
                                R"(", "key_prefix": "debt:", "algorithm": "token_bucket",
                                 "services": {"llm": {"tokens": 100, "window_s": 1}}})");
  Tally t;
  t.acquire(*rl, "llm", 100);
  assert_true(l.run_until([&] { return t.ok == 1; }));
  // The answer used 100,100 tokens: 100,000 owed, 1,000 s to repay.
  rl->correct("llm", 100, 100100);
  std::string out;
  assert_true(l.run_until([&] {
    return redis.command({"HGET", "debt:{llm}:tokens", "t"}, &out) && !out.empty() && std::stod(out) < -90000;
  }));
  assert_true(redis.command({"PTTL", "debt:{llm}:tokens"}, &out));
  long long ttl_ms = std::stoll(out);
  std::fprintf(stderr, "PTTL with 100000 tokens owed: %lld ms\n", ttl_ms);
  assert_true(ttl_ms >= 1000 * 1000);  // the whole repayment, not the capacity's 2 s
}

void outage_logged_once_each_way(void **) {
  toolorch::test::RedisServer redis;
  start_redis(&redis);
  Loop l;
  std::string log;
  auto rl = make_limits(&l,
                        R"({"backend": "redis", "redis_url": ")" + redis.url() +
                            R"(", "key_prefix": "out:", "reconnect_min_ms": 10, "reconnect_max_ms": 20,
                             "services": {"api": {"calls": 100, "window_s": 1}}})",
                        &log);
  assert_true(l.run_until([&] { return rl->backend_stats().connected; }));
  redis.kill();
  assert_true(l.run_until([&] { return !rl->backend_stats().connected; }));
  uint64_t before = rl->backend_stats().connect_attempts;
  // Several reconnects fail while it stays down.
  assert_true(l.run_until([&] { return rl->backend_stats().connect_attempts >= before + 5; }));
  std::string err;
  assert_true(redis.start(&err));
  assert_true(l.run_until([&] { return rl->backend_stats().connected; }));
  std::fprintf(stderr, "log:\n%s", log.c_str());
  assert_int_equal(count(log, "Redis connection down"), 1);
  assert_int_equal(count(log, "Redis is back"), 1);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(token_bucket_keeps_its_debt),
      cmocka_unit_test(outage_logged_once_each_way),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

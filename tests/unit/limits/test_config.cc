// The "rate_limits" JSON: the issue's example parses; every error names
// its key; redis_url forms; secrets stay out of error texts.
#include "cmocka_cpp.h"  // cmocka's header has no extern "C" of its own

#include <string>

#include "json/json.h"
#include "limits/config.h"
#include "limits/redis_url.h"
#include "limits/rate_limits.h"
#include "fake_scheduler.h"

using namespace toolorch::limits;

namespace {

bool parse(const std::string &text, Config *cfg, std::string *err) {
  auto doc = toolorch::json::parse(text, err);
  if (!doc) return false;
  return parse_config(doc.get(), cfg, err);
}

void issue_example_parses(void **) {
  Config c;
  std::string err;
  assert_true(parse(R"({"global_max": 100,
    "services": {"openai": {"calls": 50, "tokens": 150000, "window_s": 60},
                 "google": {"calls": 100, "window_s": 60},
                 "database": {"calls": 1000, "concurrency": 50}},
    "backend": "redis", "redis_url": "redis://127.0.0.1:6379/0", "key_prefix": "toolorch:",
    "backpressure": "adaptive"})", &c, &err));
  assert_true(c.global_max == 100);
  assert_int_equal(c.services.size(), 3);
  assert_true(c.services["openai"].tokens == 150000);
  assert_true(c.services["openai"].window_s == 60);
  assert_true(c.services["database"].window_s == 1);  // the default window
  assert_int_equal(c.services["database"].concurrency, 50);
  assert_true(c.backend == Backend::kRedis);
  assert_true(c.backpressure == Backpressure::kAdaptive);
  assert_true(c.fail_open);
  assert_string_equal(c.key_prefix.c_str(), "toolorch:");
  // NULL: no limits at all.
  assert_true(parse_config(nullptr, &c, &err));
  assert_true(c.services.empty());
}

void every_error_names_its_key(void **) {
  struct Case {
    const char *json, *key;
  } cases[] = {
      {R"({"globalmax": 1})", "rate_limits.globalmax"},
      {R"({"services": {"openai": {"callz": 5}}})", "rate_limits.services.openai.callz"},
      {R"({"services": {"openai": {"calls": "5"}}})", "rate_limits.services.openai.calls"},
      {R"({"services": {"openai": {"calls": -5}}})", "rate_limits.services.openai.calls"},
      {R"({"services": {"openai": {"calls": 0.5}}})", "rate_limits.services.openai.calls"},
      {R"({"services": {"openai": {"window_s": 0}}})", "rate_limits.services.openai.window_s"},
      {R"({"services": {"db": {"concurrency": 2.5}}})", "rate_limits.services.db.concurrency"},
      {R"({"services": {"db": {"algorithm": "leaky"}}})", "rate_limits.services.db.algorithm"},
      {R"({"services": {"db": {"calls": 5, "burst": 10}}})", "rate_limits.services.db.burst"},
      {R"({"services": {"db": {"calls": 5, "refill_interval_s": 1, "algorithm": "gcra"}}})",
       "rate_limits.services.db.refill_interval_s"},
      {R"({"services": {"a{b}": {"calls": 5}}})", "rate_limits.services.a{b}"},
      {R"({"services": []})", "rate_limits.services"},
      {R"({"backend": "memcached"})", "rate_limits.backend"},
      {R"({"backend": "redis"})", "rate_limits.redis_url"},
      {R"({"backend": "redis", "redis_url": "redis://redis.example:6379"})", "rate_limits.redis_url"},
      {R"({"backend": "redis", "redis_url": "http://127.0.0.1"})", "rate_limits.redis_url"},
      {R"({"backpressure": "panic"})", "rate_limits.backpressure"},
      {R"({"fail_open": "yes"})", "rate_limits.fail_open"},
      {R"({"adaptive": {"decrease": 1}})", "rate_limits.adaptive.decrease"},
      {R"({"adaptive": {"speed": 1}})", "rate_limits.adaptive.speed"},
      {R"({"reconnect_min_ms": 500, "reconnect_max_ms": 100})", "rate_limits.reconnect_max_ms"},
      {R"([1])", "rate_limits"},
  };
  for (const Case &c : cases) {
    Config cfg;
    std::string err;
    bool ok = parse(c.json, &cfg, &err);
    if (ok || err.compare(0, std::string(c.key).size() + 1, std::string(c.key) + ":") != 0)
      fail_msg("%s: expected an error on %s, got %s", c.json, c.key, ok ? "success" : err.c_str());
  }
}

void redis_urls(void **) {
  RedisAddress a;
  std::string err;
  assert_true(parse_redis_url("redis://127.0.0.1:6390/3", &a, &err));
  assert_string_equal(a.host.c_str(), "127.0.0.1");
  assert_int_equal(a.port, 6390);
  assert_int_equal(a.db, 3);
  assert_true(parse_redis_url("redis://localhost", &a, &err));
  assert_string_equal(a.host.c_str(), "127.0.0.1");  // resolved up front, no DNS
  assert_int_equal(a.port, 6379);
  assert_true(parse_redis_url("redis://:s3cret@[::1]:7000", &a, &err));
  assert_string_equal(a.host.c_str(), "::1");
  assert_string_equal(a.password.c_str(), "s3cret");
  assert_true(parse_redis_url("redis://user:pw@127.0.0.1", &a, &err));
  assert_string_equal(a.user.c_str(), "user");
  assert_true(parse_redis_url("unix:///tmp/redis.sock", &a, &err));
  assert_string_equal(a.unix_path.c_str(), "/tmp/redis.sock");
  assert_false(parse_redis_url("redis://:s3cret@db.internal:6379", &a, &err));
  assert_true(err.find("s3cret") == std::string::npos);
  assert_false(parse_redis_url("redis://:s3cret@127.0.0.1:99999", &a, &err));
  assert_true(err.find("s3cret") == std::string::npos);
  assert_false(parse_redis_url("redis://127.0.0.1/x", &a, &err));
  assert_false(parse_redis_url("unix:relative", &a, &err));
}

void create_checks_the_backend(void **) {
  toolorch::test::FakeScheduler clock;
  Config cfg;
  cfg.backend = Backend::kRedis;
  cfg.redis_url = "redis://127.0.0.1:6379";
  std::string err;
  assert_null(RateLimits::create(&clock, nullptr, cfg, &err).get());  // no event_base: no Redis
  assert_true(err.find("event") != std::string::npos);
  Config bad;
  bad.services["x{"] = ServiceConfig{};
  assert_null(RateLimits::create(&clock, nullptr, bad, &err).get());  // typed setters get checked too
  assert_non_null(RateLimits::create(&clock, nullptr, Config{}, &err).get());
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(issue_example_parses),
      cmocka_unit_test(every_error_names_its_key),
      cmocka_unit_test(redis_urls),
      cmocka_unit_test(create_checks_the_backend),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

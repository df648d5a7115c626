// The adaptive strategy: AIMD cuts on 429 / Retry-After / remaining near
// zero, one cut per cooldown, additive regrowth after successes, pacing at
// the cut rate, and the rate observable through current_rate().
#include "cmocka_cpp.h"  // cmocka's header has no extern "C" of its own

#include <cmath>

#include "limits/adaptive_rate.h"
#include "limits_test_util.h"
#include "toolorch/status.h"

using namespace limits_test;
using toolorch::test::FakeScheduler;

namespace {

bool near(double a, double b) { return std::fabs(a - b) < 1e-9; }

// Greedy callers for `span`: how many grants did the service hand out?
int hungry(FakeScheduler &clock, RateLimits &rl, const char *svc, Micros span) {
  Recorder rec{&clock, {}};
  RateLimits::Ticket t;
  int now_ok = 0;
  std::vector<RateLimits::Ticket> queued;
  for (int i = 0; i < 200; ++i) {
    int rc = rl.acquire(svc, 1, 0, rec.done(i), &t);
    if (rc == TOOLORCH_OK) ++now_ok;
    else queued.push_back(t);
  }
  clock.advance(span);
  for (auto q : queued) rl.cancel(q);
  return now_ok + rec.count(TOOLORCH_OK);
}

void cut_on_429_once_per_cooldown(void **) {
  FakeScheduler clock;
  auto rl = make(&clock, R"({"backpressure": "adaptive",
      "services": {"openai": {"calls": 10, "window_s": 1}}})");
  assert_non_null(rl.get());
  assert_true(near(rl->current_rate("openai"), 10));
  rl->on_response("openai", 429, -1, -1, -1);
  assert_true(near(rl->current_rate("openai"), 5));
  // The calls in flight when the provider pushed back answer 429 too: one cut.
  for (int i = 0; i < 20; ++i) rl->on_response("openai", 429, -1, -1, -1);
  assert_true(near(rl->current_rate("openai"), 5));
  clock.advance(kSec);  // the default cooldown is 1 s
  rl->on_response("openai", 429, -1, -1, -1);
  assert_true(near(rl->current_rate("openai"), 2.5));
  // Never below min_fraction (5%) of the configured rate.
  for (int i = 0; i < 20; ++i) {
    clock.advance(kSec);
    rl->on_response("openai", 429, -1, -1, -1);
  }
  assert_true(near(rl->current_rate("openai"), 0.5));
}

void additive_regrowth_after_successes(void **) {
  FakeScheduler clock;
  auto rl = make(&clock, R"({"backpressure": "adaptive", "adaptive": {"increase": 0.1},
      "services": {"openai": {"calls": 10, "window_s": 1}}})");
  rl->on_response("openai", 429, -1, -1, -1);
  assert_true(near(rl->current_rate("openai"), 5));
  rl->on_response("openai", 200, -1, 500, 100000);
  assert_true(near(rl->current_rate("openai"), 6));  // + 10% of 10/s per success
  for (int i = 0; i < 3; ++i) rl->on_response("openai", 200, -1, -1, -1);
  assert_true(near(rl->current_rate("openai"), 9));
  rl->on_response("openai", 500, -1, -1, -1);  // a server error is no success
  assert_true(near(rl->current_rate("openai"), 9));
  for (int i = 0; i < 5; ++i) rl->on_response("openai", 200, -1, -1, -1);
  assert_true(near(rl->current_rate("openai"), 10));  // capped at the configured rate
}

void cut_rate_paces_the_grants(void **) {
  FakeScheduler clock;
  auto rl = make(&clock, R"({"backpressure": "adaptive",
      "services": {"api": {"calls": 10, "window_s": 1}}})");
  assert_int_equal(hungry(clock, *rl, "api", kSec - 1), 10);  // not cut: the configured burst
  clock.advance(10 * kSec);
  rl->on_response("api", 429, -1, -1, -1);  // 5/s: one per 200 ms
  int n = hungry(clock, *rl, "api", 2 * kSec - 1);
  assert_int_equal(n, 10);
  // Regrown fully: the pacer is off again and the burst returns.
  for (int i = 0; i < 20; ++i) rl->on_response("api", 200, -1, -1, -1);
  clock.advance(10 * kSec);
  assert_int_equal(hungry(clock, *rl, "api", kSec - 1), 10);
}

void retry_after_holds_every_call(void **) {
  FakeScheduler clock;
  auto rl = make(&clock, R"({"backpressure": "adaptive", "services": {"api": {"calls": 100}}})");
  Recorder rec{&clock, {}};
  RateLimits::Ticket t;
  Micros t0 = clock.now_us();
  rl->on_response("api", 429, 3000, -1, -1);
  assert_int_equal(rl->acquire("api", 1, 0, rec.done(1), &t), TOOLORCH_EAGAIN);
  // Another service is not held.
  assert_int_equal(rl->acquire("other", 1, 0, rec.done(9), &t), TOOLORCH_OK);
  clock.advance(3 * kSec - 1);
  assert_true(rec.seen.empty());
  clock.advance(1);
  assert_int_equal(rec.seen.size(), 1);
  assert_int_equal(rec.seen[0].at, t0 + 3 * kSec);
}

void remaining_near_zero_cuts(void **) {
  FakeScheduler clock;
  auto rl = make(&clock, R"({"backpressure": "adaptive", "adaptive": {"low_tokens": 1000, "cooldown_s": 0},
      "services": {"anthropic": {"calls": 40, "window_s": 1}}})");
  rl->on_response("anthropic", 200, -1, 5, 50000);  // plenty left: a success
  assert_true(near(rl->current_rate("anthropic"), 40));
  rl->on_response("anthropic", 200, -1, 1, -1);  // requests at the low mark
  assert_true(near(rl->current_rate("anthropic"), 20));
  rl->on_response("anthropic", 200, -1, -1, 999);  // tokens under the low mark
  assert_true(near(rl->current_rate("anthropic"), 10));
}

void service_without_a_rate_uses_what_it_saw(void **) {
  FakeScheduler clock;
  auto rl = make(&clock, R"({"backpressure": "adaptive"})");
  RateLimits::Ticket t;
  for (int i = 0; i < 8; ++i) {
    assert_int_equal(rl->acquire("tool", 1, 0, [](int, Micros) {}, &t), TOOLORCH_OK);
    clock.advance(100 * kMs);
  }
  assert_true(std::isinf(rl->current_rate("tool")));
  rl->on_response("tool", 429, -1, -1, -1);
  assert_true(near(rl->current_rate("tool"), 4));  // 8 seen in the last second, halved
  // Not adaptive: on_response changes nothing.
  auto plain = make(&clock, R"({"services": {"api": {"calls": 10}}})");
  plain->on_response("api", 429, 1000, 0, 0);
  assert_true(near(plain->current_rate("api"), 10));
}

void aimd_unit(void **) {
  toolorch::limits::AdaptiveConfig cfg;
  toolorch::limits::AdaptiveRate a(100, cfg);
  a.on_response(0, 429, -1, -1, -1);
  assert_true(a.is_cut());
  assert_int_equal(a.cuts(), 1);
  assert_int_equal(a.available_at(0, 1), 0);  // nothing granted yet
  a.take(0, 1);
  assert_int_equal(a.available_at(0, 1), 20000);  // 50/s: 20 ms apart
  a.on_response(10, 503, 250, -1, -1);  // Retry-After on any status pauses
  assert_int_equal(a.paused_until(), 10 + 250000);
  assert_int_equal(a.available_at(20, 1), 10 + 250000);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(cut_on_429_once_per_cooldown),
      cmocka_unit_test(additive_regrowth_after_successes),
      cmocka_unit_test(cut_rate_paces_the_grants),
      cmocka_unit_test(retry_after_holds_every_call),
      cmocka_unit_test(remaining_near_zero_cuts),
      cmocka_unit_test(service_without_a_rate_uses_what_it_saw),
      cmocka_unit_test(aimd_unit),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

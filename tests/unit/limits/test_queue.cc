// RateLimits on the fake clock: the waiting queue (FIFO per service, one
// timer, deadlines, cancel), the fail strategy, the global limit, several
// limiters per service taken all or none, concurrency caps.
#include "cmocka_cpp.h"  // cmocka's header has no extern "C" of its own

#include <cmath>

#include "limits_test_util.h"
#include "toolorch/status.h"

using namespace limits_test;
using toolorch::test::FakeScheduler;

namespace {

void unlimited_and_unknown_services_pass(void **) {
  FakeScheduler clock;
  auto rl = make(&clock, R"({"services": {"db": {"concurrency": 2}}})");
  assert_non_null(rl.get());
  Recorder rec{&clock, {}};
  RateLimits::Ticket t = 0;
  for (int i = 0; i < 100; ++i) assert_int_equal(rl->acquire("nobody", 5, 0, rec.done(i), &t), TOOLORCH_OK);
  assert_int_equal(rl->stats("nobody").granted, 100);
  assert_true(std::isinf(rl->current_rate("nobody")));
  assert_int_equal(rl->acquire("db", 1, 0, rec.done(0), &t), TOOLORCH_OK);
  assert_int_equal(rl->acquire("x", NAN, 0, rec.done(0), &t), TOOLORCH_EINVAL);
  assert_int_equal(rl->acquire("x", -1, 0, rec.done(0), &t), TOOLORCH_EINVAL);
  assert_int_equal(rl->acquire("x", 1, 0, nullptr, &t), TOOLORCH_EINVAL);
  clock.advance(10 * kSec);
  assert_true(rec.seen.empty());  // done is never called for an immediate grant
}

void exact_permits_per_window_through_the_queue(void **) {
  for (const char *alg : {"sliding_window", "token_bucket", "gcra"}) {
    FakeScheduler clock;
    std::string cfg = std::string(R"({"algorithm": ")") + alg +
                      R"(", "services": {"api": {"calls": 10, "window_s": 1}}})";
    auto rl = make(&clock, cfg);
    assert_non_null(rl.get());
    Recorder rec{&clock, {}};
    Micros t0 = clock.now_us();
    int now_granted = 0;
    RateLimits::Ticket t;
    for (int i = 0; i < 60; ++i) {
      int rc = rl->acquire("api", 1, 0, rec.done(i), &t);
      if (rc == TOOLORCH_OK) ++now_granted;
      else assert_int_equal(rc, TOOLORCH_EAGAIN);
    }
    assert_int_equal(now_granted, 10);  // the burst (all algorithms: burst = calls)
    clock.advance(kSec - 1);
    int in_first_second = now_granted + rec.count(TOOLORCH_OK);
    clock.advance(1);
    if (std::string(alg) == "sliding_window") {
      assert_int_equal(in_first_second, 10);
      assert_int_equal(now_granted + rec.count(TOOLORCH_OK), 20);  // the window slid at t0 + 1 s
    } else {
      assert_int_equal(in_first_second, 19);  // burst + one per 100 ms
      assert_int_equal(now_granted + rec.count(TOOLORCH_OK), 20);
    }
    // Grants come in arrival order, each at its exact permit time.
    for (size_t i = 1; i < rec.seen.size(); ++i) {
      assert_true(rec.seen[i].tag > rec.seen[i - 1].tag);
      assert_true(rec.seen[i].at >= rec.seen[i - 1].at);
    }
    assert_int_equal(rec.seen[0].at - t0, std::string(alg) == "sliding_window" ? kSec : 100 * kMs);
    assert_int_equal(rl->stats("api").waited, rec.count(TOOLORCH_OK));
  }
}

void one_timer_no_polling(void **) {
  FakeScheduler clock;
  auto rl = make(&clock, R"({"services": {"api": {"calls": 1, "window_s": 10}}})");
  Recorder rec{&clock, {}};
  RateLimits::Ticket t;
  assert_int_equal(rl->acquire("api", 1, 0, rec.done(0), &t), TOOLORCH_OK);
  for (int i = 1; i <= 50; ++i) assert_int_equal(rl->acquire("api", 1, 0, rec.done(i), &t), TOOLORCH_EAGAIN);
  assert_int_equal(clock.armed_timers(), 1);
  // Nothing happens before the permit time however often the loop turns.
  for (int i = 0; i < 9; ++i) clock.advance(kSec);
  assert_true(rec.seen.empty());
  assert_int_equal(clock.armed_timers(), 1);
  clock.advance(kSec);
  assert_int_equal(rec.count(TOOLORCH_OK), 1);
  assert_int_equal(rec.seen[0].tag, 1);
  assert_int_equal(rec.seen[0].waited, 10 * kSec);
  assert_int_equal(clock.armed_timers(), 1);
}

void fifo_no_passing_the_head(void **) {
  FakeScheduler clock;
  auto rl = make(&clock, R"({"services": {"llm": {"tokens": 10, "window_s": 1}}})");
  Recorder rec{&clock, {}};
  RateLimits::Ticket t;
  assert_int_equal(rl->acquire("llm", 8, 0, rec.done(0), &t), TOOLORCH_OK);
  assert_int_equal(rl->acquire("llm", 5, 0, rec.done(1), &t), TOOLORCH_EAGAIN);
  // 1 token would fit now, but the waiter before it goes first.
  assert_int_equal(rl->acquire("llm", 1, 0, rec.done(2), &t), TOOLORCH_EAGAIN);
  clock.advance(kSec / 2);
  assert_true(rec.seen.empty());
  clock.advance(kSec / 2);
  assert_int_equal(rec.seen.size(), 2);
  assert_int_equal(rec.seen[0].tag, 1);
  assert_int_equal(rec.seen[1].tag, 2);
  assert_int_equal(rl->waiting("llm"), 0);
}

void multi_limiter_atomic_through_facade(void **) {
  FakeScheduler clock;
  auto rl = make(&clock, R"({"backpressure": "fail",
      "services": {"openai": {"calls": 5, "tokens": 100, "window_s": 60}}})");
  Recorder rec{&clock, {}};
  RateLimits::Ticket t;
  assert_int_equal(rl->acquire("openai", 60, 0, rec.done(0), &t), TOOLORCH_OK);
  // The tokens limit refuses: no call permit may be spent on it.
  for (int i = 0; i < 10; ++i) assert_int_equal(rl->acquire("openai", 60, 0, rec.done(0), &t), TOOLORCH_ERATELIMITED);
  for (int i = 0; i < 4; ++i) assert_int_equal(rl->acquire("openai", 10, 0, rec.done(0), &t), TOOLORCH_OK);
  // Now the calls limit refuses: no tokens may be spent on it.
  assert_int_equal(rl->acquire("openai", 0, 0, rec.done(0), &t), TOOLORCH_ERATELIMITED);
  assert_int_equal(rl->stats("openai").granted, 5);
  assert_int_equal(rl->stats("openai").rejected, 11);
  // More tokens than the limit can ever give: refused at once, even with wait.
  auto w = make(&clock, R"({"services": {"openai": {"tokens": 100}}})");
  assert_int_equal(w->acquire("openai", 101, 0, rec.done(0), &t), TOOLORCH_ERATELIMITED);
  assert_true(rec.seen.empty());
}

void correction_after_the_fact(void **) {
  FakeScheduler clock;
  auto rl = make(&clock, R"({"algorithm": "token_bucket", "backpressure": "fail",
      "services": {"llm": {"tokens": 100, "window_s": 100}}})");
  Recorder rec{&clock, {}};
  RateLimits::Ticket t;
  assert_int_equal(rl->acquire("llm", 50, 0, rec.done(0), &t), TOOLORCH_OK);
  rl->correct("llm", 50, 90);  // used 40 more than estimated
  assert_int_equal(rl->acquire("llm", 20, 0, rec.done(0), &t), TOOLORCH_ERATELIMITED);
  rl->correct("llm", 90, 30);  // in fact far fewer: 60 come back
  assert_int_equal(rl->acquire("llm", 60, 0, rec.done(0), &t), TOOLORCH_OK);
  rl->correct("nobody", 1, 2);  // unknown service: ignored
}

void deadlines_while_waiting(void **) {
  FakeScheduler clock;
  auto rl = make(&clock, R"({"services": {"api": {"calls": 1, "window_s": 1}}})");
  Recorder rec{&clock, {}};
  RateLimits::Ticket t;
  Micros t0 = clock.now_us();
  assert_int_equal(rl->acquire("api", 1, 0, rec.done(0), &t), TOOLORCH_OK);
  // The permit comes at t0 + 1 s: a deadline before it cannot be met.
  assert_int_equal(rl->acquire("api", 1, t0 + 500 * kMs, rec.done(1), &t), TOOLORCH_ERATELIMITED);
  assert_int_equal(rl->acquire("api", 1, t0 + 1500 * kMs, rec.done(2), &t), TOOLORCH_EAGAIN);
  // Behind it: its own permit would be at t0 + 2 s, its deadline is sooner.
  assert_int_equal(rl->acquire("api", 1, t0 + 1700 * kMs, rec.done(3), &t), TOOLORCH_EAGAIN);
  assert_int_equal(rl->acquire("api", 1, 0, rec.done(4), &t), TOOLORCH_EAGAIN);
  clock.advance(kSec);
  assert_int_equal(rec.seen.size(), 1);
  assert_int_equal(rec.seen[0].tag, 2);
  assert_int_equal(rec.seen[0].status, TOOLORCH_OK);
  clock.advance(700 * kMs);
  assert_int_equal(rec.seen.size(), 2);
  assert_int_equal(rec.seen[1].tag, 3);
  assert_int_equal(rec.seen[1].status, TOOLORCH_ETIMEDOUT);
  assert_int_equal(rec.seen[1].waited, 1700 * kMs);
  assert_int_equal(rec.seen[1].at, t0 + 1700 * kMs);
  clock.advance(300 * kMs);  // t0 + 2 s: the one without a deadline
  assert_int_equal(rec.seen.size(), 3);
  assert_int_equal(rec.seen[2].tag, 4);
  assert_int_equal(rec.seen[2].status, TOOLORCH_OK);
  auto st = rl->stats("api");
  assert_int_equal(st.granted, 3);
  assert_int_equal(st.timed_out, 1);
  assert_int_equal(st.rejected, 1);
  assert_int_equal(st.wait_us_total, 1000 * kMs + 2000 * kMs);
}

void cancel_gives_the_place_away(void **) {
  FakeScheduler clock;
  auto rl = make(&clock, R"({"services": {"api": {"calls": 1, "window_s": 1}}})");
  Recorder rec{&clock, {}};
  RateLimits::Ticket t1, t2, t3, t;
  assert_int_equal(rl->acquire("api", 1, 0, rec.done(0), &t), TOOLORCH_OK);
  assert_int_equal(rl->acquire("api", 1, 0, rec.done(1), &t1), TOOLORCH_EAGAIN);
  assert_int_equal(rl->acquire("api", 1, 0, rec.done(2), &t2), TOOLORCH_EAGAIN);
  assert_int_equal(rl->acquire("api", 1, 0, rec.done(3), &t3), TOOLORCH_EAGAIN);
  rl->cancel(t1);
  rl->cancel(t3);
  rl->cancel(t3);     // twice: no effect
  rl->cancel(99999);  // unknown: no effect
  clock.advance(5 * kSec);
  assert_int_equal(rec.seen.size(), 1);
  assert_int_equal(rec.seen[0].tag, 2);
  assert_int_equal(rec.seen[0].at - rec.seen[0].waited, clock.now_us() - 5 * kSec);
  rl->cancel(t2);  // already done: no effect
  // The cancelled ones took nothing: two more permits are free now.
  assert_int_equal(rl->acquire("api", 1, 0, rec.done(5), &t), TOOLORCH_OK);
  assert_int_equal(rl->waiting("api"), 0);
}

void concurrency_cap_waits_for_release(void **) {
  FakeScheduler clock;
  auto rl = make(&clock, R"({"services": {"db": {"concurrency": 2}}})");
  Recorder rec{&clock, {}};
  RateLimits::Ticket t, tc;
  Micros t0 = clock.now_us();
  assert_int_equal(rl->acquire("db", 1, 0, rec.done(0), &t), TOOLORCH_OK);
  assert_int_equal(rl->acquire("db", 1, 0, rec.done(1), &t), TOOLORCH_OK);
  assert_int_equal(rl->acquire("db", 1, 0, rec.done(2), &t), TOOLORCH_EAGAIN);
  assert_int_equal(rl->acquire("db", 1, t0 + kSec, rec.done(3), &tc), TOOLORCH_EAGAIN);
  assert_int_equal(rl->acquire("db", 1, 0, rec.done(4), &t), TOOLORCH_EAGAIN);
  clock.advance(100 * kSec);  // time alone frees nothing; the deadline passes
  assert_int_equal(rec.seen.size(), 1);
  assert_int_equal(rec.seen[0].tag, 3);
  assert_int_equal(rec.seen[0].status, TOOLORCH_ETIMEDOUT);
  rl->release("db");
  assert_int_equal(rec.seen.size(), 1);  // not inside release(): from the loop
  clock.advance(0);
  assert_int_equal(rec.seen.size(), 2);
  assert_int_equal(rec.seen[1].tag, 2);
  rl->release("db");
  rl->release("db");
  clock.advance(0);
  assert_int_equal(rec.seen.size(), 3);
  assert_int_equal(rec.seen[2].tag, 4);
  rl->release("nobody");  // unknown service: ignored
}

void global_limit_in_arrival_order(void **) {
  FakeScheduler clock;
  auto rl = make(&clock, R"({"global_max": 2, "services": {"a": {"calls": 100}, "b": {"calls": 100}}})");
  Recorder rec{&clock, {}};
  RateLimits::Ticket t;
  assert_int_equal(rl->acquire("a", 1, 0, rec.done(0), &t), TOOLORCH_OK);
  assert_int_equal(rl->acquire("b", 1, 0, rec.done(1), &t), TOOLORCH_OK);
  assert_int_equal(rl->acquire("a", 1, 0, rec.done(2), &t), TOOLORCH_EAGAIN);
  assert_int_equal(rl->acquire("b", 1, 0, rec.done(3), &t), TOOLORCH_EAGAIN);
  assert_int_equal(rl->acquire("a", 1, 0, rec.done(4), &t), TOOLORCH_EAGAIN);
  assert_int_equal(rl->acquire("c", 1, 0, rec.done(5), &t), TOOLORCH_EAGAIN);  // unknown: global still applies
  clock.advance(kSec);
  assert_int_equal(rec.seen.size(), 2);
  assert_int_equal(rec.seen[0].tag, 2);
  assert_int_equal(rec.seen[1].tag, 3);
  clock.advance(kSec);
  assert_int_equal(rec.seen.size(), 4);
  assert_int_equal(rec.seen[2].tag, 4);
  assert_int_equal(rec.seen[3].tag, 5);
}

void fail_strategy_refuses_at_once(void **) {
  FakeScheduler clock;
  auto rl = make(&clock, R"({"services": {"api": {"calls": 2, "backpressure": "fail"},
                                          "slow": {"calls": 1}}})");
  Recorder rec{&clock, {}};
  RateLimits::Ticket t;
  assert_int_equal(rl->acquire("api", 1, 0, rec.done(0), &t), TOOLORCH_OK);
  assert_int_equal(rl->acquire("api", 1, 0, rec.done(0), &t), TOOLORCH_OK);
  assert_int_equal(rl->acquire("api", 1, 0, rec.done(0), &t), TOOLORCH_ERATELIMITED);
  assert_int_equal(rl->acquire("slow", 1, 0, rec.done(0), &t), TOOLORCH_OK);
  assert_int_equal(rl->acquire("slow", 1, 0, rec.done(1), &t), TOOLORCH_EAGAIN);  // the default: wait
  clock.advance(kSec);
  assert_int_equal(rec.count(TOOLORCH_OK), 1);
  assert_int_equal(rl->stats("api").rejected, 1);
  assert_int_equal(rl->services().size(), 2);
}

void done_may_reenter_and_destroy(void **) {
  FakeScheduler clock;
  auto rl = make(&clock, R"({"services": {"api": {"calls": 1, "window_s": 1}}})");
  RateLimits::Ticket t;
  int calls = 0;
  assert_int_equal(rl->acquire("api", 1, 0, [](int, Micros) {}, &t), TOOLORCH_OK);
  // From its done, a waiter acquires again (queues behind) and the next
  // one destroys the whole object: nothing may touch it afterwards.
  assert_int_equal(rl->acquire("api", 1, 0,
                               [&](int st, Micros) {
                                 ++calls;
                                 assert_int_equal(st, TOOLORCH_OK);
                                 RateLimits::Ticket t2;
                                 assert_int_equal(rl->acquire("api", 1, 0,
                                                              [&](int, Micros) {
                                                                ++calls;
                                                                rl.reset();
                                                              },
                                                              &t2),
                                                  TOOLORCH_EAGAIN);
                               },
                               &t),
                   TOOLORCH_EAGAIN);
  clock.advance(kSec);
  assert_int_equal(calls, 1);
  clock.advance(kSec);
  assert_int_equal(calls, 2);
  assert_null(rl.get());
  clock.advance(kSec);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(unlimited_and_unknown_services_pass),
      cmocka_unit_test(exact_permits_per_window_through_the_queue),
      cmocka_unit_test(one_timer_no_polling),
      cmocka_unit_test(fifo_no_passing_the_head),
      cmocka_unit_test(multi_limiter_atomic_through_facade),
      cmocka_unit_test(correction_after_the_fact),
      cmocka_unit_test(deadlines_while_waiting),
      cmocka_unit_test(cancel_gives_the_place_away),
      cmocka_unit_test(concurrency_cap_waits_for_release),
      cmocka_unit_test(global_limit_in_arrival_order),
      cmocka_unit_test(fail_strategy_refuses_at_once),
      cmocka_unit_test(done_may_reenter_and_destroy),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

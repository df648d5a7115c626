// Each local algorithm on a fake clock: exact permits per window, bursts,
// costs above 1, corrections, and the all-or-none take of several limiters.
#include "cmocka_cpp.h"  // cmocka's header has no extern "C" of its own

#include <vector>

#include "limits/concurrency_cap.h"
#include "limits/gcra.h"
#include "limits/limiter_spec.h"
#include "limits/sliding_window.h"
#include "limits/token_bucket.h"

using namespace toolorch::limits;

namespace {

constexpr Micros kT0 = 5000000;
constexpr Micros kSec = 1000000;
constexpr Micros kMs = 1000;

// A greedy client: takes `cost` whenever it can, jumping the clock to the
// time the limiter names, until `until`. Returns the grant times.
std::vector<Micros> greedy(Limiter &l, double cost, Micros from, Micros until) {
  std::vector<Micros> grants;
  Micros now = from;
  while (now < until) {
    Micros at = l.available_at(now, cost);
    if (at <= now) {
      l.take(now, cost);
      grants.push_back(now);
      continue;
    }
    if (at >= kOnRelease) break;
    now = at;
  }
  return grants;
}

int count_in(const std::vector<Micros> &v, Micros from, Micros to) {
  int n = 0;
  for (Micros t : v) n += t >= from && t < to;
  return n;
}

// No interval of length w holds more than max grants.
int max_in_any_window(const std::vector<Micros> &v, Micros w) {
  int best = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    size_t j = i;
    while (j < v.size() && v[j] < v[i] + w) ++j;
    best = std::max(best, static_cast<int>(j - i));
  }
  return best;
}

void sliding_window_exact_per_window(void **) {
  SlidingWindow sw(10, kSec);
  auto g = greedy(sw, 1, kT0, kT0 + 3 * kSec);
  assert_int_equal(count_in(g, kT0, kT0 + kSec), 10);
  assert_int_equal(count_in(g, kT0, kT0 + 3 * kSec), 30);
  assert_int_equal(max_in_any_window(g, kSec), 10);
  // The 11th comes exactly when the first leaves the window.
  assert_int_equal(g[10], kT0 + kSec);
}

void sliding_window_unaligned_windows(void **) {
  // Grants spread over the window: any 1-s interval still holds <= limit.
  SlidingWindow sw(5, kSec);
  std::vector<Micros> g;
  for (Micros t = kT0; t < kT0 + 4 * kSec; t += 70 * kMs)
    if (sw.try_take(t, 1)) g.push_back(t);
  assert_true(g.size() > 10);
  assert_int_equal(max_in_any_window(g, kSec), 5);
}

void sliding_window_cost_above_one(void **) {
  SlidingWindow sw(10, kSec);
  assert_true(sw.try_take(kT0, 3));
  assert_true(sw.try_take(kT0 + 1, 3));
  assert_true(sw.try_take(kT0 + 2, 3));
  assert_false(sw.try_take(kT0 + 3, 3));  // 9 used, 3 more would be 12
  assert_true(sw.try_take(kT0 + 3, 1));   // 10: exactly the limit
  // 3 are needed: the first entry (3) leaves at kT0 + 1 s.
  assert_int_equal(sw.available_at(kT0 + 4, 3), kT0 + kSec);
  // 6 are needed: the first two entries must leave.
  assert_int_equal(sw.available_at(kT0 + 4, 6), kT0 + 1 + kSec);
  assert_int_equal(sw.available_at(kT0, 11), kNever);
  // A correction gives back from the oldest entries (conservative).
  sw.give_back(kT0 + 5, 4);
  assert_true(sw.used(kT0 + 5) > 5.99 && sw.used(kT0 + 5) < 6.01);
}

void token_bucket_burst_then_rate(void **) {
  auto spec = make_spec(Algorithm::kTokenBucket, 10, 1);  // 10/s: 1 per 100 ms, burst 10
  auto tb = make_limiter(spec);
  auto g = greedy(*tb, 1, kT0, kT0 + 3 * kSec);
  // The burst of 10, then one per 100 ms.
  assert_int_equal(count_in(g, kT0, kT0 + 1), 10);
  assert_int_equal(count_in(g, kT0, kT0 + kSec), 19);
  assert_int_equal(g[10], kT0 + 100 * kMs);
  assert_int_equal(count_in(g, kT0 + kSec, kT0 + 2 * kSec), 10);
  assert_int_equal(static_cast<int>(g.size()), 10 + 29);
}

void token_bucket_step_refill_and_cost(void **) {
  TokenBucket tb(10, 5, 500 * kMs);  // refill 5 every 500 ms
  assert_true(tb.try_take(kT0, 4));
  assert_true(tb.try_take(kT0, 4));
  assert_false(tb.try_take(kT0, 4));  // 2 left
  assert_int_equal(tb.available_at(kT0, 4), kT0 + 500 * kMs);
  assert_int_equal(tb.available_at(kT0, 8), kT0 + 1000 * kMs);
  assert_int_equal(tb.available_at(kT0, 10.5), kNever);
  // Halfway to a step: nothing yet.
  assert_false(tb.try_take(kT0 + 499 * kMs, 4));
  assert_true(tb.try_take(kT0 + 500 * kMs, 4));  // 7 - 4 = 3
  assert_true(tb.tokens(kT0 + 500 * kMs) > 2.99 && tb.tokens(kT0 + 500 * kMs) < 3.01);
  // A correction into debt: the bucket pays it back with time.
  tb.take(kT0 + 500 * kMs, 8);  // -5
  assert_int_equal(tb.available_at(kT0 + 500 * kMs, 1), kT0 + 1000 * kMs + 500 * kMs);
  // Full again after enough steps, and never above the capacity.
  assert_true(tb.tokens(kT0 + 100 * kSec) <= 10.0);
}

void gcra_burst_and_spacing(void **) {
  Gcra g(100 * kMs, 10);  // 10/s, burst 10
  auto grants = greedy(g, 1, kT0, kT0 + 2 * kSec);
  assert_int_equal(count_in(grants, kT0, kT0 + 1), 10);
  assert_int_equal(count_in(grants, kT0, kT0 + kSec), 19);
  assert_int_equal(grants[10], kT0 + 100 * kMs);

  Gcra smooth(100 * kMs, 1);  // no burst: exactly one per 100 ms
  auto s = greedy(smooth, 1, kT0, kT0 + 3 * kSec);
  assert_int_equal(count_in(s, kT0, kT0 + kSec), 10);
  assert_int_equal(static_cast<int>(s.size()), 30);
  assert_int_equal(max_in_any_window(s, kSec), 10);
}

void gcra_cost_above_one(void **) {
  Gcra g(100 * kMs, 10);
  assert_true(g.try_take(kT0, 4));
  assert_true(g.try_take(kT0, 4));
  assert_false(g.try_take(kT0, 4));
  assert_int_equal(g.available_at(kT0, 4), kT0 + 200 * kMs);
  assert_int_equal(g.available_at(kT0, 11), kNever);
  g.give_back(kT0, 8);  // refund both
  assert_true(g.try_take(kT0, 10));
}

void concurrency_cap_frees_on_release(void **) {
  ConcurrencyCap c(2);
  assert_true(c.try_take(kT0, 1));
  assert_true(c.try_take(kT0, 1));
  assert_int_equal(c.available_at(kT0 + 100 * kSec, 1), kOnRelease);  // time alone never helps
  c.give_back(kT0, 1);
  assert_true(c.try_take(kT0, 1));
  assert_int_equal(c.in_use(), 2);
}

void several_limiters_all_or_none(void **) {
  SlidingWindow calls(5, kSec);
  SlidingWindow tokens(100, kSec);
  std::vector<Charge> big{{&calls, 1}, {&tokens, 60}};
  assert_true(take_all(big, kT0));
  // Tokens refuse the second: the call limiter must not be charged.
  assert_false(take_all(big, kT0));
  assert_true(calls.used(kT0) > 0.99 && calls.used(kT0) < 1.01);
  assert_int_equal(earliest(big, kT0), kT0 + kSec);
  // Four cheap calls still fit; the fifth call-permit runs out.
  std::vector<Charge> cheap{{&calls, 1}, {&tokens, 1}};
  for (int i = 0; i < 4; ++i) assert_true(take_all(cheap, kT0));
  assert_false(take_all(cheap, kT0));
  assert_true(tokens.used(kT0) > 63.99 && tokens.used(kT0) < 64.01);
}

void spec_matches_config_numbers(void **) {
  // 50 calls per 60 s with each algorithm: 50 at once, no more in the window.
  for (Algorithm a : {Algorithm::kSlidingWindow, Algorithm::kTokenBucket, Algorithm::kGcra}) {
    auto l = make_limiter(make_spec(a, 50, 60));
    int n = 0;
    while (l->try_take(kT0, 1)) ++n;
    assert_int_equal(n, 50);
    Micros next = l->available_at(kT0, 1);
    if (a == Algorithm::kSlidingWindow) assert_int_equal(next, kT0 + 60 * kSec);
    else assert_int_equal(next, kT0 + 1200 * kMs);  // one call's worth: 60 s / 50
  }
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(sliding_window_exact_per_window),
      cmocka_unit_test(sliding_window_unaligned_windows),
      cmocka_unit_test(sliding_window_cost_above_one),
      cmocka_unit_test(token_bucket_burst_then_rate),
      cmocka_unit_test(token_bucket_step_refill_and_cost),
      cmocka_unit_test(gcra_burst_and_spacing),
      cmocka_unit_test(gcra_cost_above_one),
      cmocka_unit_test(concurrency_cap_frees_on_release),
      cmocka_unit_test(several_limiters_all_or_none),
      cmocka_unit_test(spec_matches_config_numbers),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

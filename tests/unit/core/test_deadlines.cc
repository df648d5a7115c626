// Deadlines on the fake clock: one timer per timeout duration serves every
// entry of that duration, each expiring at its own deadline, exactly once;
// removal (head or not, by hand or by destruction) and re-entrant expiry.
#include <memory>
#include <utility>
#include <vector>

#include "cmocka_cpp.h"
#include "core/deadlines.h"
#include "fake_scheduler.h"

using namespace toolorch;
using loop::Micros;

namespace {

struct Item : core::DeadlineEntry {
  explicit Item(int i) : id(i) {}
  int id;
};

struct Fixture {
  test::FakeScheduler sched;
  std::vector<std::pair<int, Micros>> expired;  // id, clock at expiry
  std::function<void(Item *)> also;             // run inside the expiry, if set
  core::Deadlines deadlines{&sched, [this](core::DeadlineEntry *e) {
                              Item *it = static_cast<Item *>(e);
                              assert_false(it->watched());  // removed before it is told
                              expired.emplace_back(it->id, sched.now_us());
                              if (also) also(it);
                            }};
  Micros t0 = sched.now_us();
  void add(Item &it, Micros timeout) {
    assert_true(deadlines.add(&it, timeout, sched.now_us() + timeout));
    assert_true(it.watched());
  }
};

}  // namespace

static void one_timer_serves_a_duration(void **) {
  Fixture f;
  std::vector<std::unique_ptr<Item>> items;
  for (int i = 0; i < 100; ++i) {
    items.push_back(std::make_unique<Item>(i));
    f.add(*items.back(), 1000);
    f.sched.advance(10);
  }
  assert_int_equal(f.sched.armed_timers(), 1);
  assert_int_equal(f.deadlines.armed_timers(), 1);
  f.sched.advance(5000);
  assert_int_equal(f.expired.size(), 100);
  for (int i = 0; i < 100; ++i) {
    assert_int_equal(f.expired[i].first, i);
    assert_int_equal(f.expired[i].second, f.t0 + i * 10 + 1000);  // each at its own deadline
    assert_false(items[i]->watched());
  }
  assert_int_equal(f.sched.armed_timers(), 0);
}

static void removed_head_leaves_the_rest_on_time(void **) {
  Fixture f;
  Item a(1), b(2), c(3);
  f.add(a, 1000);
  f.sched.advance(100);
  f.add(b, 1000);
  f.sched.advance(100);
  f.add(c, 1000);
  core::Deadlines::remove(&a);
  assert_false(a.watched());
  core::Deadlines::remove(&a);  // twice: nothing
  f.sched.advance(1000 - 200);  // a's deadline: nothing is due
  assert_int_equal(f.expired.size(), 0);
  assert_int_equal(f.sched.armed_timers(), 1);  // re-armed for b
  f.sched.advance(99);
  assert_int_equal(f.expired.size(), 0);
  f.sched.advance(1);
  assert_int_equal(f.expired.size(), 1);
  assert_int_equal(f.expired[0].first, 2);
  assert_int_equal(f.expired[0].second, f.t0 + 1100);
  f.sched.advance(100);
  assert_int_equal(f.expired.size(), 2);
  assert_int_equal(f.expired[1].first, 3);
  assert_int_equal(f.expired[1].second, f.t0 + 1200);
}

static void emptied_fifo_holds_no_timer(void **) {
  Fixture f;
  Item a(1), b(2);
  f.add(a, 1000);
  f.add(b, 1000);
  core::Deadlines::remove(&b);  // the tail
  assert_int_equal(f.sched.armed_timers(), 1);
  core::Deadlines::remove(&a);
  assert_int_equal(f.sched.armed_timers(), 0);
  assert_int_equal(f.deadlines.armed_timers(), 0);
  f.sched.advance(5000);
  assert_int_equal(f.expired.size(), 0);
  f.add(a, 1000);  // the duration's FIFO and timer are used again
  f.sched.advance(1000);
  assert_int_equal(f.expired.size(), 1);
}

static void durations_keep_their_own_order(void **) {
  Fixture f;
  Item slow(1), fast(2), slow2(3);
  f.add(slow, 3000);
  f.add(fast, 1000);
  f.sched.advance(500);
  f.add(slow2, 3000);
  assert_int_equal(f.sched.armed_timers(), 2);
  f.sched.advance(10000);
  assert_int_equal(f.expired.size(), 3);
  assert_int_equal(f.expired[0].first, 2);
  assert_int_equal(f.expired[0].second, f.t0 + 1000);
  assert_int_equal(f.expired[1].first, 1);
  assert_int_equal(f.expired[1].second, f.t0 + 3000);
  assert_int_equal(f.expired[2].first, 3);
  assert_int_equal(f.expired[2].second, f.t0 + 3500);
}

static void deadline_out_of_order_goes_in_place(void **) {
  Fixture f;
  Item a(1), b(2), c(3), z(0);
  Micros now = f.sched.now_us();
  assert_true(f.deadlines.add(&a, 1000, now + 1000));
  assert_true(f.deadlines.add(&b, 1000, now + 3000));
  assert_true(f.deadlines.add(&c, 1000, now + 2000));  // not in order: between a and b
  assert_true(f.deadlines.add(&z, 1000, now + 500));  // before the head
  f.sched.advance(5000);
  assert_int_equal(f.expired.size(), 4);
  int want[] = {0, 1, 3, 2};
  Micros at[] = {500, 1000, 2000, 3000};
  for (int i = 0; i < 4; ++i) {
    assert_int_equal(f.expired[i].first, want[i]);
    assert_int_equal(f.expired[i].second, now + at[i]);
  }
}

static void expiry_may_remove_add_and_destroy(void **) {
  Fixture f;
  auto a = std::make_unique<Item>(1);
  auto b = std::make_unique<Item>(2);
  auto c = std::make_unique<Item>(3);
  Item d(4);
  f.add(*a, 1000);
  f.add(*b, 1000);  // same deadline as a: due in the same firing
  f.add(*c, 1000);
  f.also = [&](Item *it) {
    if (it->id != 1) return;
    b.reset();       // destroyed while watched: it leaves the FIFO
    f.add(d, 1000);  // added from inside the expiry
  };
  f.sched.advance(1000);
  assert_int_equal(f.expired.size(), 2);  // a and c; b is gone
  assert_int_equal(f.expired[0].first, 1);
  assert_int_equal(f.expired[1].first, 3);
  assert_true(d.watched());
  f.sched.advance(999);
  assert_int_equal(f.expired.size(), 2);
  f.sched.advance(1);
  assert_int_equal(f.expired.size(), 3);
  assert_int_equal(f.expired[2].first, 4);
}

static void gone_deadlines_let_their_entries_go(void **) {
  test::FakeScheduler sched;
  Item a(1);
  {
    core::Deadlines d(&sched, [](core::DeadlineEntry *) { fail(); });
    assert_true(d.add(&a, 1000, sched.now_us() + 1000));
  }
  assert_false(a.watched());
  assert_int_equal(sched.armed_timers(), 0);
  sched.advance(5000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(one_timer_serves_a_duration),
      cmocka_unit_test(removed_head_leaves_the_rest_on_time),
      cmocka_unit_test(emptied_fifo_holds_no_timer),
      cmocka_unit_test(durations_keep_their_own_order),
      cmocka_unit_test(deadline_out_of_order_goes_in_place),
      cmocka_unit_test(expiry_may_remove_add_and_destroy),
      cmocka_unit_test(gone_deadlines_let_their_entries_go),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

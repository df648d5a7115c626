// The loop's mailbox (loop/event_loop.h) and the Task it holds
// (loop/task.h): work posted from any thread runs on the loop thread once,
// in posting order whether it came through post() or post_task(), and is
// destroyed exactly once, run or dropped. Run under TSan too.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "loop/event_loop.h"
#include "loop/task.h"

#include "cmocka_cpp.h"

using toolorch::loop::EventLoop;
using toolorch::loop::Task;

namespace {

// Counts its live copies: a task holding one must leave none behind.
struct Counted {
  static std::atomic<int> live;
  Counted() { ++live; }
  Counted(const Counted &) { ++live; }
  Counted(Counted &&) noexcept { ++live; }
  ~Counted() { --live; }
};
std::atomic<int> Counted::live{0};

}  // namespace

static void a_task_runs_and_is_destroyed_once_in_place_or_not(void **) {
  int runs = 0;
  {
    Counted c;
    Task a, b;
    {
      std::string text(100, 'x');  // past the small-string room: a real move
      auto small = [c, &runs, text]() mutable { runs += text.size() == 100 ? 1 : 100; };
      static_assert(Task::fits_inline<decltype(small)>(), "a pointer, a string and a little more fit");
      char big_room[Task::kRoom + 8] = {};
      auto big = [c, &runs, big_room] { runs += 10 + big_room[0]; };
      static_assert(!Task::fits_inline<decltype(big)>(), "larger than the room: on the heap");
      a = Task(std::move(small));
      b = Task(std::move(big));
    }
    assert_int_equal(Counted::live.load(), 3);  // c, and one in each task
    Task a2(std::move(a)), b2(std::move(b));
    assert_false(static_cast<bool>(a));
    assert_false(static_cast<bool>(b));
    assert_int_equal(Counted::live.load(), 3);
    a2();
    b2();
    assert_int_equal(runs, 11);
    Task c2;
    c2 = std::move(a2);
    c2();
    assert_int_equal(runs, 12);
    b2.reset();
    assert_int_equal(Counted::live.load(), 2);
  }
  assert_int_equal(Counted::live.load(), 0);
}

// Another thread interleaves post() and post_task(): the loop runs them in
// that order, each once, over many passes (the mailbox's room is reused
// from pass to pass).
static void posted_work_runs_in_posting_order_on_the_loop_thread(void **) {
  std::string err;
  auto loop = EventLoop::create_owned(&err);
  assert_non_null(loop.get());
  assert_true(loop->start(&err));
  constexpr int kItems = 20000;
  std::vector<int> seen;  // loop thread only
  std::atomic<int> off_loop{0};
  EventLoop *l = loop.get();
  std::thread poster([&] {
    for (int i = 0; i < kItems; ++i) {
      auto note = [&seen, &off_loop, l, i, keep = Counted()] {
        if (!l->in_loop_thread()) ++off_loop;
        seen.push_back(i);
      };
      if (i % 3 == 0) l->post(note);
      else l->post_task(std::move(note));
      if (i % 1000 == 0) std::this_thread::yield();
    }
  });
  poster.join();
  bool ok = loop->run_sync([] {});
  assert_true(ok);
  loop->stop();
  assert_int_equal(off_loop.load(), 0);
  assert_int_equal(static_cast<int>(seen.size()), kItems);
  for (int i = 0; i < kItems; ++i) assert_int_equal(seen[static_cast<size_t>(i)], i);
  loop.reset();
  assert_int_equal(Counted::live.load(), 0);
}

// Work posted after the loop stopped is dropped: destroyed, never run.
static void work_posted_after_stop_is_destroyed_unrun(void **) {
  std::string err;
  auto loop = EventLoop::create_owned(&err);
  assert_non_null(loop.get());
  assert_true(loop->start(&err));
  loop->stop();
  int runs = 0;
  loop->post_task([&runs, keep = Counted()] { ++runs; });
  loop->post([&runs, keep = Counted()] { ++runs; });
  assert_int_equal(Counted::live.load(), 0);
  loop.reset();
  assert_int_equal(runs, 0);
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_task_runs_and_is_destroyed_once_in_place_or_not),
      cmocka_unit_test(posted_work_runs_in_posting_order_on_the_loop_thread),
      cmocka_unit_test(work_posted_after_stop_is_destroyed_unrun),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

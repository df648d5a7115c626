// Completions from other threads racing the deadline and cancellation:
// whatever the interleaving, each call ends exactly once. Run under TSan too.
#include <atomic>
#include <thread>

#include "core_fixture.h"

using namespace toolorch;
using test::CoreFixture;
using test::ParkingTool;

static void complete_from_thread_while_deadline_fires(void **) {
  core::Options o;
  o.set_int("tool_timeout_ms", 10);
  CoreFixture f(o);
  ParkingTool tool;
  f.add_tool("park", &ParkingTool::fn, &tool);
  const int kRounds = 2000;
  int succeeded = 0, timed_out = 0, late_returns = 0;
  for (int i = 0; i < kRounds; ++i) {
    core::Batch *b = f.new_batch();
    std::string id = "r" + std::to_string(i);
    b->add("park", "{}", id);
    b->submit();
    core::Call *c = tool.parked.back();
    std::atomic<int> rc{0};
    std::thread t([&] { rc = test::complete(c, "from thread"); });
    f.sched.advance(10 * 1000);  // the deadline fires now, maybe before the post
    t.join();
    f.sched.run_posted();
    if (rc == TOOLORCH_ELATE) late_returns++;
    else assert_int_equal(rc.load(), TOOLORCH_OK);
    const core::Event *r = f.sink.result_for(id);
    assert_non_null(r);
    if (r->call_state == TOOLORCH_CALL_SUCCEEDED) succeeded++;
    else if (r->call_state == TOOLORCH_CALL_TIMED_OUT) timed_out++;
    else fail_msg("unexpected end state %d", r->call_state);
  }
  assert_int_equal(succeeded + timed_out, kRounds);
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_CALL_RESULT), kRounds);
  // Every timed-out call's completion was dropped and counted.
  assert_int_equal(f.engine->stats().late_completions.load(), timed_out);
  assert_true(late_returns <= timed_out);
}

static void many_threads_complete_one_call(void **) {
  CoreFixture f;
  ParkingTool tool;
  f.add_tool("park", &ParkingTool::fn, &tool);
  for (int round = 0; round < 200; ++round) {
    core::Batch *b = f.new_batch();
    b->add("park", "{}", "x" + std::to_string(round));
    b->submit();
    core::Call *c = tool.parked.back();
    std::atomic<int> ok{0}, already{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
      threads.emplace_back([&] {
        int rc = test::complete(c, "r");
        if (rc == TOOLORCH_OK) ok++;
        else if (rc == TOOLORCH_EALREADY) already++;
      });
    for (auto &t : threads) t.join();
    f.sched.run_posted();
    assert_int_equal(ok.load(), 1);
    assert_int_equal(already.load(), 3);
  }
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_CALL_RESULT), 200);
}

static void blocking_tools_run_on_the_pool(void **) {
  core::Options o;
  o.set_int("worker_threads", 3);
  CoreFixture f(o);
  std::atomic<int> off_loop{0};
  struct Ctx {
    std::atomic<int> *off_loop;
    std::thread::id loop_thread;
  } ctx{&off_loop, std::this_thread::get_id()};
  f.add_tool(
      "slow",
      [](core::Call *call, const char *, void *ud) {
        auto *c = static_cast<Ctx *>(ud);
        if (std::this_thread::get_id() != c->loop_thread) (*c->off_loop)++;
        test::complete(call, "done");
      },
      &ctx, 0, "{\"type\":\"object\"}", core::kToolBlocking);
  core::Batch *b = f.new_batch();
  for (int i = 0; i < 50; ++i) b->add("slow", "{}", "");
  b->submit();
  for (int spins = 0; f.sink.count(TOOLORCH_EVENT_BATCH_DONE) == 0 && spins < 100000; ++spins) {
    f.sched.run_posted();
    std::this_thread::yield();
  }
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_CALL_RESULT), 50);
  assert_int_equal(off_loop.load(), 50);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(complete_from_thread_while_deadline_fires),
      cmocka_unit_test(many_threads_complete_one_call),
      cmocka_unit_test(blocking_tools_run_on_the_pool),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

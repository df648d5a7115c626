// Parallelism caps and FIFO order: the most calls seen running at once must
// equal the cap, never exceed it.
#include "core_fixture.h"

using namespace toolorch;
using test::CoreFixture;
using test::ParkingTool;

static core::Options with_max_parallel(int n) {
  core::Options o;
  assert_int_equal(o.set_int("max_parallel_tools", n), TOOLORCH_OK);
  return o;
}

static void global_cap_holds(void **) {
  CoreFixture f(with_max_parallel(10));
  ParkingTool tool;
  f.add_tool("park", &ParkingTool::fn, &tool);
  core::Batch *b = f.new_batch();
  for (int i = 0; i < 200; ++i) assert_int_equal(b->add("park", "{}", ""), TOOLORCH_OK);
  assert_int_equal(b->submit(), TOOLORCH_OK);
  assert_int_equal(tool.running, 10);
  assert_int_equal(f.engine->stats().waiting.load(), 190);
  while (!tool.parked.empty()) assert_int_equal(tool.complete_one(), TOOLORCH_OK);
  assert_int_equal(tool.invocations, 200);
  assert_int_equal(tool.max_running, 10);
  assert_int_equal(f.engine->stats().max_running.load(), 10);
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_CALL_RESULT), 200);
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_BATCH_DONE), 1);
  assert_int_equal(f.engine->stats().calls_succeeded.load(), 200);
  assert_int_equal(f.engine->stats().running.load(), 0);
}

static void per_tool_caps_hold(void **) {
  CoreFixture f(with_max_parallel(6));
  ParkingTool a, b;
  f.add_tool("a", &ParkingTool::fn, &a, 3);
  f.add_tool("b", &ParkingTool::fn, &b, 5);
  core::Batch *batch = f.new_batch();
  for (int i = 0; i < 100; ++i) batch->add(i % 2 ? "a" : "b", "{}", "");
  batch->submit();
  unsigned seed = 7;
  while (!a.parked.empty() || !b.parked.empty()) {
    seed = seed * 1103515245u + 12345u;
    ParkingTool &t = (!a.parked.empty() && ((seed >> 16) & 1)) || b.parked.empty() ? a : b;
    assert_true(a.running + b.running <= 6);
    assert_int_equal(t.complete_one(), TOOLORCH_OK);
  }
  assert_int_equal(a.invocations, 50);
  assert_int_equal(b.invocations, 50);
  assert_int_equal(a.max_running, 3);  // reached its cap, never above
  assert_true(b.max_running <= 5);
  assert_true(b.max_running >= 3);
  assert_int_equal(f.engine->stats().max_running.load(), 6);
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_CALL_RESULT), 100);
}

struct OrderTool {
  std::vector<std::string> seen;
  std::vector<core::Call *> parked;
  static void fn(core::Call *call, const char *, void *ud) {
    auto *self = static_cast<OrderTool *>(ud);
    self->seen.push_back(test::call_id(call));
    self->parked.push_back(call);
  }
};

static void waiting_queue_is_fifo_across_tools(void **) {
  CoreFixture f(with_max_parallel(1));
  OrderTool x, y;
  f.add_tool("x", &OrderTool::fn, &x);
  f.add_tool("y", &OrderTool::fn, &y);
  core::Batch *b = f.new_batch();
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) {
    ids.push_back("c" + std::to_string(i));
    b->add(i % 3 ? "x" : "y", "{}", ids.back());
  }
  b->submit();
  std::vector<std::string> order;
  for (;;) {
    OrderTool *t = !x.parked.empty() ? &x : !y.parked.empty() ? &y : nullptr;
    if (!t) break;
    order.push_back(test::call_id(t->parked.front()));
    core::Call *c = t->parked.front();
    t->parked.erase(t->parked.begin());
    assert_int_equal(test::complete(c, "{}"), TOOLORCH_OK);
  }
  assert_true(order == ids);
}

static void synchronous_tools_do_not_recurse(void **) {
  // A tool that completes inside its own invocation ends the call, which
  // starts the next: 100k of them with a cap of 1 must not grow the stack.
  CoreFixture f(with_max_parallel(1));
  int runs = 0;
  f.add_tool(
      "now",
      [](core::Call *call, const char *args, void *ud) {
        ++*static_cast<int *>(ud);
        test::complete(call, args);
      },
      &runs);
  core::Batch *b = f.new_batch();
  for (int i = 0; i < 100000; ++i) b->add("now", "{\"i\":1}", "");
  b->submit();
  assert_int_equal(runs, 100000);
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_CALL_RESULT), 100000);
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_BATCH_DONE), 1);
  assert_int_equal(f.engine->stats().max_running.load(), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(global_cap_holds),
      cmocka_unit_test(per_tool_caps_hold),
      cmocka_unit_test(waiting_queue_is_fifo_across_tools),
      cmocka_unit_test(synchronous_tools_do_not_recurse),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

// Calls of a tool with a service wait for that service's permits before a
// slot, on the fake clock; "fail" refuses at once; a cancel while waiting
// gives the permit back.
#include "core_fixture.h"

using namespace toolorch;
using test::CoreFixture;
using test::ParkingTool;

static core::Options limited(const char *backpressure) {
  core::Options o;
  std::string json = std::string("{\"tool_timeout_ms\": 600000, \"rate_limits\": {\"backpressure\": \"") +
                     backpressure + "\", \"services\": {\"svc\": {\"calls\": 2, \"window_s\": 1}}}}";
  assert_int_equal(o.merge_json(json), TOOLORCH_OK);
  return o;
}

static void calls_wait_for_their_permits(void **) {
  CoreFixture f(limited("wait"));
  ParkingTool t, free_tool;
  f.add_tool("t", &ParkingTool::fn, &t, 0, "{\"type\":\"object\"}", 0, 0, "svc");
  f.add_tool("free", &ParkingTool::fn, &free_tool);
  core::Batch *b = f.new_batch();
  for (int i = 0; i < 5; ++i) b->add("t", "{}", "c" + std::to_string(i));
  b->add("free", "{}", "unlimited");
  b->submit();
  f.sched.run_posted();
  assert_int_equal(t.invocations, 2);
  assert_int_equal(free_tool.invocations, 1);  // other services are not held up
  while (!t.parked.empty()) t.complete_one();
  f.sched.advance(999 * 1000);
  assert_int_equal(t.invocations, 2);
  f.sched.advance(1000);
  assert_int_equal(t.invocations, 4);
  f.sched.advance(1000 * 1000);
  assert_int_equal(t.invocations, 5);
  while (!t.parked.empty()) t.complete_one();
  // The waits show in the results.
  assert_int_equal(f.sink.result_for("c0")->wait_us, 0);
  assert_int_equal(f.sink.result_for("c2")->wait_us, 1000 * 1000);
  auto st = f.engine->limits()->stats("svc");
  assert_int_equal(st.granted, 5);
  assert_int_equal(st.waited, 3);
}

static void fail_strategy_refuses_at_once(void **) {
  CoreFixture f(limited("fail"));
  ParkingTool t;
  f.add_tool("t", &ParkingTool::fn, &t, 0, "{\"type\":\"object\"}", 0, 0, "svc");
  core::Batch *b = f.new_batch();
  for (int i = 0; i < 3; ++i) b->add("t", "{}", "c" + std::to_string(i));
  b->submit();
  assert_int_equal(t.invocations, 2);
  const core::Event *r = f.sink.result_for("c2");
  assert_non_null(r);
  assert_int_equal(r->status, TOOLORCH_ERATELIMITED);
  assert_non_null(strstr(core::event_text(*r).c_str(), "service \"svc\""));
}

static void cancel_while_waiting_returns_the_permit(void **) {
  CoreFixture f(limited("wait"));
  ParkingTool t;
  f.add_tool("t", &ParkingTool::fn, &t, 0, "{\"type\":\"object\"}", 0, 0, "svc");
  core::Batch *b = f.new_batch();
  for (int i = 0; i < 4; ++i) b->add("t", "{}", "c" + std::to_string(i));
  b->submit();
  assert_int_equal(t.invocations, 2);
  b->cancel();
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_CALL_RESULT), 4);
  assert_int_equal(f.engine->limits()->waiting("svc"), 0);
  f.sched.advance(5 * 1000 * 1000);
  assert_int_equal(t.invocations, 2);  // nothing ran after the cancel
}

// emit_progress_events: a call that must wait for permits says so, once,
// naming its service; calls that got them at once do not.
static void waiting_calls_announce_the_wait(void **) {
  core::Options o = limited("wait");
  o.set_bool("emit_progress_events", true);
  CoreFixture f(o);
  ParkingTool t;
  f.add_tool("t", &ParkingTool::fn, &t, 0, "{\"type\":\"object\"}", 0, 0, "svc");
  core::Batch *b = f.new_batch();
  for (int i = 0; i < 3; ++i) b->add("t", "{}", "c" + std::to_string(i));
  b->submit();
  f.sched.run_posted();
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_RATE_LIMIT_WAIT), 1);
  for (auto &e : f.sink.events)
    if (e->type == TOOLORCH_EVENT_RATE_LIMIT_WAIT) {
      assert_string_equal(core::event_call_id(*e).c_str(), "c2");
      assert_string_equal(core::event_tool_name(*e).c_str(), "t");
      assert_string_equal(core::event_text(*e).c_str(), "svc");
    }
  while (!t.parked.empty()) t.complete_one();
  f.sched.advance(1000 * 1000);
  while (!t.parked.empty()) t.complete_one();
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_CALL_RESULT), 3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(calls_wait_for_their_permits),
      cmocka_unit_test(fail_strategy_refuses_at_once),
      cmocka_unit_test(cancel_while_waiting_returns_the_permit),
      cmocka_unit_test(waiting_calls_announce_the_wait),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

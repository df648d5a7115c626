// What the events of a call say, when work is cancelled or taken over:
// a call that never reached its tool never gets CALL_STARTED (defect 15),
// and after a retried LLM request takes a call over, its events carry the
// id the model gave it last (defect 11).
#include <string>

#include "job_fixture.h"

using namespace toolorch;
using toolorch::test::CoreFixture;
using toolorch::test::JobFixture;
using toolorch::test::ParkingTool;

static core::Options two_slots() {
  core::Options o;
  o.set_int("max_parallel_tools", 2);
  o.set_bool("emit_call_started", true);
  return o;
}

// Every CALL_STARTED is for a call the tool was handed, and the counter agrees.
static void assert_started_only_what_ran(const CoreFixture &f, int ran) {
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_CALL_STARTED), ran);
  assert_int_equal(f.engine->stats().calls_started.load(), ran);
}

static void job_cancel_never_starts_queued_calls(void **) {
  JobFixture f(two_slots());
  f.start();
  f.provider.finish_with_calls({{"c0", "search", "{\"q\":\"a\"}"},
                                {"c1", "search", "{\"q\":\"b\"}"},
                                {"c2", "search", "{\"q\":\"c\"}"},
                                {"c3", "search", "{\"q\":\"d\"}"}});
  assert_int_equal(f.search.invocations, 2);  // two slots: c2 and c3 wait
  f.job->cancel();
  assert_int_equal(f.job_done()->status, TOOLORCH_ECANCELLED);
  assert_int_equal(f.search.invocations, 2);
  assert_started_only_what_ran(f, 2);
  assert_int_equal(f.engine->stats().calls_cancelled.load(), 4);
}

static void batch_cancel_never_starts_queued_calls(void **) {
  CoreFixture f(two_slots());
  ParkingTool t;
  f.add_tool("t", &ParkingTool::fn, &t);
  core::Batch *b = f.new_batch();
  for (int i = 0; i < 5; ++i) b->add("t", "{}", "");
  b->submit();
  assert_int_equal(t.invocations, 2);
  b->cancel();
  assert_int_equal(t.invocations, 2);
  assert_started_only_what_ran(f, 2);
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_CALL_RESULT), 5);
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_BATCH_DONE), 1);
}

// The group's winner cancels the rest: the waiting member must not take the
// slot the cancelled running one frees.
static void group_decision_never_starts_queued_members(void **) {
  CoreFixture f(two_slots());
  ParkingTool t;
  f.add_tool("t", &ParkingTool::fn, &t);
  core::Batch *b = f.new_batch();
  core::GroupPolicy p;
  p.cancel_on_score = true;
  p.threshold = 0.5;
  assert_int_equal(b->add_group("g", p, nullptr), TOOLORCH_OK);
  for (int i = 0; i < 4; ++i) b->add("t", "{}", "", "g");
  b->submit();
  assert_int_equal(t.invocations, 2);
  t.complete_one("good");
  f.sched.advance(0);
  assert_int_equal(t.invocations, 2);
  assert_started_only_what_ran(f, 2);
  assert_int_equal(f.engine->stats().calls_cancelled.load(), 3);
}

static std::string last_id_of(const CoreFixture &f, int type) {
  std::string id;
  for (auto &e : f.sink.events)
    if (e->type == type) id = core::event_call_id(*e);
  return id;
}

static void retried_request_renames_the_calls_it_takes_over(void **) {
  core::Options o;
  o.set_bool("emit_call_started", true);
  JobFixture f(o);
  f.start();
  f.provider.call_ready(0, "c0", "search", "{\"q\":\"a\"}");
  assert_int_equal(f.search.invocations, 1);
  assert_string_equal(last_id_of(f, TOOLORCH_EVENT_CALL_STARTED).c_str(), "c0");
  f.provider.fail_request(TOOLORCH_ESTREAM, true, -1, "stream ended before the response was complete");
  f.sched.advance(0);
  f.provider.call_ready(0, "d0", "search", "{\"q\":\"a\"}");
  assert_int_equal(f.search.invocations, 1);  // taken over, not run again
  assert_string_equal(last_id_of(f, TOOLORCH_EVENT_LLM_TOOL_CALL).c_str(), "d0");
  f.provider.finish_with_calls({{"d0", "search", "{\"q\":\"a\"}"}});
  f.complete_all();
  f.sched.advance(0);
  // The result, the transcript and the announcement agree on "d0".
  assert_string_equal(last_id_of(f, TOOLORCH_EVENT_CALL_RESULT).c_str(), "d0");
  const auto &msgs = f.provider.request().messages;
  assert_string_equal(msgs.back().tool_call_id.c_str(), "d0");
  // What the tool was handed keeps its first id (other threads read it).
  for (auto &e : f.sink.events)
    if (e->type == TOOLORCH_EVENT_CALL_RESULT) assert_string_equal(e->about->id().c_str(), "c0");
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(job_cancel_never_starts_queued_calls),
      cmocka_unit_test(batch_cancel_never_starts_queued_calls),
      cmocka_unit_test(group_decision_never_starts_queued_members),
      cmocka_unit_test(retried_request_renames_the_calls_it_takes_over),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

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

static const core::Event *nth_of(const CoreFixture &f, int type, size_t n) {
  for (auto &e : f.sink.events)
    if (e->type == type && n-- == 0) return e.get();
  return nullptr;
}

// emit_progress_events: each LLM attempt is announced and its end timed,
// and a retry says why, after how long and which attempt of how many.
static void progress_events_announce_llm_attempts_and_retries(void **) {
  core::Options o;
  o.set_bool("emit_progress_events", true);
  JobFixture f(o);
  f.start("{\"prompt\":\"go\",\"model\":\"m\",\"llm_retries\":3}");
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_LLM_REQUEST), 1);
  f.sched.advance(250 * 1000);
  llm::Error e;
  e.status = TOOLORCH_ERATELIMITED;
  e.retryable = true;
  e.retry_after_ms = 2000;
  e.http_status = 429;
  e.message = "slow down";
  f.provider.listener()->on_error(std::move(e));
  const core::Event *resp = nth_of(f, TOOLORCH_EVENT_LLM_RESPONSE, 0);
  assert_non_null(resp);
  assert_int_equal(resp->status, TOOLORCH_ERATELIMITED);
  assert_int_equal(resp->http_status, 429);
  assert_int_equal(resp->run_us, 250 * 1000);
  const core::Event *retry = nth_of(f, TOOLORCH_EVENT_LLM_RETRY, 0);
  assert_non_null(retry);
  assert_int_equal(retry->http_status, 429);
  assert_int_equal(retry->wait_us, 2000 * 1000);
  assert_int_equal(retry->attempts, 2);
  assert_int_equal(retry->max_attempts, 4);
  assert_string_equal(retry->text.c_str(), "slow down");
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_LLM_REQUEST), 1);  // not before the delay
  f.sched.advance(2000 * 1000);
  const core::Event *second = nth_of(f, TOOLORCH_EVENT_LLM_REQUEST, 1);
  assert_non_null(second);
  assert_int_equal(second->attempts, 2);
  f.sched.advance(100 * 1000);
  f.provider.finish_with_text("done");
  const core::Event *ok = nth_of(f, TOOLORCH_EVENT_LLM_RESPONSE, 1);
  assert_non_null(ok);
  assert_int_equal(ok->status, TOOLORCH_OK);
  assert_int_equal(ok->run_us, 100 * 1000);
  assert_non_null(f.job_done());
  assert_int_equal(f.job_done()->status, TOOLORCH_OK);
}

// Without the option, none of them.
static void progress_events_are_off_by_default(void **) {
  JobFixture f;
  f.start("{\"prompt\":\"go\",\"model\":\"m\",\"llm_retries\":1}");
  f.provider.fail_request(TOOLORCH_EPROVIDER, true, -1, "503");
  f.sched.advance(60 * 1000 * 1000);
  f.provider.finish_with_text("done");
  for (int t : {TOOLORCH_EVENT_LLM_REQUEST, TOOLORCH_EVENT_LLM_RESPONSE, TOOLORCH_EVENT_LLM_RETRY,
                TOOLORCH_EVENT_RATE_LIMIT_WAIT})
    assert_int_equal(f.sink.count(t), 0);
  assert_int_equal(f.job_done()->status, TOOLORCH_OK);
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(job_cancel_never_starts_queued_calls),
      cmocka_unit_test(batch_cancel_never_starts_queued_calls),
      cmocka_unit_test(group_decision_never_starts_queued_members),
      cmocka_unit_test(retried_request_renames_the_calls_it_takes_over),
      cmocka_unit_test(progress_events_announce_llm_attempts_and_retries),
      cmocka_unit_test(progress_events_are_off_by_default),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

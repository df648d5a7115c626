// Branch groups (cancel on a good-enough result, keep top N, cancel
// siblings on a fatal failure, group deadline) and per-tool retries, on the
// fake clock. Assertions on states and counts only.
#include <atomic>
#include <thread>

#include "core_fixture.h"
#include "core/group.h"

using namespace toolorch;
using test::CoreFixture;
using test::ParkingTool;

static const core::Event *result(CoreFixture &f, const char *id) {
  const core::Event *r = f.sink.result_for(id);
  assert_non_null(r);
  return r;
}

// Three tools answering the same question; "web" answers first and well.
static void better_result_cancels_the_slow_branches(void **) {
  CoreFixture f;
  ParkingTool arxiv, web, so;
  f.add_tool("arxiv", &ParkingTool::fn, &arxiv);
  f.add_tool("web", &ParkingTool::fn, &web);
  f.add_tool("so", &ParkingTool::fn, &so);
  core::GroupPolicy p;
  p.cancel_on_score = true;
  p.threshold = 0.8;
  p.scorer = [](const core::Call &c) { return c.text() == "great" ? 0.9 : 0.1; };
  core::Batch *b = f.new_batch();
  assert_int_equal(b->add_group("q", p, nullptr), TOOLORCH_OK);
  b->add("arxiv", "{}", "arxiv", "q");
  b->add("web", "{}", "web", "q");
  b->add("so", "{}", "so", "q");
  b->submit();
  int hooks = 0;
  for (ParkingTool *t : {&arxiv, &so})
    t->parked[0]->set_cancel_hook([&hooks] { hooks++; });
  assert_int_equal(web.complete_one("great"), TOOLORCH_OK);
  assert_int_equal(result(f, "web")->call_state, TOOLORCH_CALL_SUCCEEDED);
  assert_int_equal(result(f, "arxiv")->call_state, TOOLORCH_CALL_CANCELLED);
  assert_int_equal(result(f, "so")->call_state, TOOLORCH_CALL_CANCELLED);
  assert_non_null(strstr(core::event_text(*result(f, "so")).c_str(), "answered well enough"));
  assert_int_equal(hooks, 2);  // the slow tools were told to stop
  // Their late answers are dropped, never delivered.
  assert_int_equal(arxiv.complete_one("late"), TOOLORCH_ELATE);
  assert_int_equal(so.complete_one("late"), TOOLORCH_ELATE);
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_CALL_RESULT), 3);
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_BATCH_DONE), 1);
}

static void a_poor_result_does_not_cancel(void **) {
  CoreFixture f;
  ParkingTool t;
  f.add_tool("t", &ParkingTool::fn, &t);
  core::GroupPolicy p;
  p.cancel_on_score = true;
  p.threshold = 0.8;
  p.scorer = [](const core::Call &c) { return c.text() == "great" ? 0.9 : 0.1; };
  core::Batch *b = f.new_batch();
  b->add_group("q", p, nullptr);
  for (const char *id : {"a", "b", "c"}) b->add("t", "{}", id, "q");
  b->submit();
  t.complete_one("meh");
  assert_null(f.sink.result_for("b"));
  t.complete_one("great");
  assert_int_equal(result(f, "c")->call_state, TOOLORCH_CALL_CANCELLED);
  assert_int_equal(result(f, "a")->call_state, TOOLORCH_CALL_SUCCEEDED);
}

static void keep_top_n(void **) {
  CoreFixture f;
  ParkingTool t;
  f.add_tool("t", &ParkingTool::fn, &t);
  core::GroupPolicy p;
  p.keep_top_n = 2;
  core::Batch *b = f.new_batch();
  b->add_group("g", p, nullptr);
  for (const char *id : {"a", "b", "c", "d"}) b->add("t", "{}", id, "g");
  b->submit();
  assert_int_equal(t.running, 4);
  test::tool_fail(t.parked[0], "no luck");  // a failure is not a result to keep
  t.parked.erase(t.parked.begin());
  t.complete_one("1");
  assert_null(f.sink.result_for("d"));
  t.complete_one("2");
  assert_int_equal(result(f, "a")->call_state, TOOLORCH_CALL_FAILED);
  assert_int_equal(result(f, "b")->call_state, TOOLORCH_CALL_SUCCEEDED);
  assert_int_equal(result(f, "c")->call_state, TOOLORCH_CALL_SUCCEEDED);
  assert_int_equal(result(f, "d")->call_state, TOOLORCH_CALL_CANCELLED);
}

static void fatal_failure_cancels_siblings_only_when_asked(void **) {
  for (bool cancel_siblings : {false, true}) {
    CoreFixture f;
    ParkingTool t;
    f.add_tool("t", &ParkingTool::fn, &t);
    core::GroupPolicy p;
    p.cancel_siblings = cancel_siblings;
    core::Batch *b = f.new_batch();
    b->add_group("g", p, nullptr);
    for (const char *id : {"a", "b", "c"}) b->add("t", "{}", id, "g");
    b->submit();
    // A plain failure never cancels siblings.
    test::tool_fail(t.parked[0], "plain");
    assert_null(f.sink.result_for("b"));
    test::tool_fail_ex(t.parked[1], "fatal", core::kFailFatal);
    const core::Event *c = f.sink.result_for("c");
    if (cancel_siblings) {
      assert_non_null(c);
      assert_int_equal(c->call_state, TOOLORCH_CALL_CANCELLED);
      assert_non_null(strstr(core::event_text(*c).c_str(), "failed fatally"));
    } else {
      assert_null(c);  // isolate: the others go on
      assert_int_equal(test::complete(t.parked[2], "ok"), TOOLORCH_OK);
    }
  }
}

static void group_deadline(void **) {
  CoreFixture f;
  ParkingTool t;
  f.add_tool("t", &ParkingTool::fn, &t);
  core::GroupPolicy p;
  p.timeout_ms = 50;
  core::Batch *b = f.new_batch();
  b->add_group("g", p, nullptr);
  b->add("t", "{}", "a", "g");
  b->add("t", "{}", "b", "g");
  b->add("t", "{}", "solo");
  b->submit();
  t.complete_one("fast");
  f.sched.advance(50 * 1000);
  assert_int_equal(result(f, "a")->call_state, TOOLORCH_CALL_SUCCEEDED);
  assert_int_equal(result(f, "b")->call_state, TOOLORCH_CALL_TIMED_OUT);
  assert_null(f.sink.result_for("solo"));  // not in the group
}

static void group_policy_json(void **) {
  core::GroupPolicy p;
  std::string err;
  json::Ptr ok = json::parse(
      "{\"timeout_ms\": 10, \"cancel_on_better_result\": {\"threshold\": 0.7}, \"keep_top_n_branches\": 2,"
      " \"on_failure\": \"cancel_siblings\"}");
  assert_int_equal(core::GroupPolicy::from_json(ok.get(), &p, &err), TOOLORCH_OK);
  assert_true(p.cancel_on_score && p.threshold == 0.7 && p.keep_top_n == 2 && p.cancel_siblings && p.timeout_ms == 10);
  json::Ptr bad = json::parse("{\"keep_top\": 2}");
  assert_int_equal(core::GroupPolicy::from_json(bad.get(), &p, &err), TOOLORCH_ECONFIG);
  assert_non_null(strstr(err.c_str(), "\"keep_top\""));
}

// A tool that fails retryably a given number of times, then succeeds.
struct Flaky {
  int failures_left;
  unsigned flags = core::kFailRetryable;
  int invocations = 0;
  static void fn(core::Call *call, const char *, void *ud) {
    auto *self = static_cast<Flaky *>(ud);
    self->invocations++;
    if (self->failures_left-- > 0) test::tool_fail_ex(call, "try again", self->flags);
    else test::complete(call, "finally");
  }
};

static void add_flaky(CoreFixture &f, Flaky *flaky, int retries, int64_t timeout_ms,
                      core::BackoffPolicy::Kind kind = core::BackoffPolicy::Kind::kExponential) {
  core::ToolSpec spec;
  spec.name = "flaky";
  spec.runner = std::make_shared<test::TestToolRunner>(&Flaky::fn, flaky);
  spec.timeout_ms = timeout_ms;
  spec.retry_attempts = retries;
  spec.retry_backoff.kind = kind;
  spec.retry_backoff.base_ms = 100;
  spec.retry_backoff.max_ms = 1000;
  spec.retry_backoff.jitter = false;  // exact delays to check the policy
  std::string err;
  f.engine->registry().add(core::Tool::create(spec, &err), &err);
}

static void retries_follow_the_backoff_policy(void **) {
  CoreFixture f;
  Flaky flaky{3};
  add_flaky(f, &flaky, 3, 10000);
  core::Batch *b = f.new_batch();
  b->add("flaky", "{}", "x");
  b->submit();
  assert_int_equal(flaky.invocations, 1);
  assert_int_equal(f.engine->stats().running.load(), 0);  // the slot is free while backing off
  f.sched.advance(99 * 1000);
  assert_int_equal(flaky.invocations, 1);
  f.sched.advance(1000);  // 100 ms
  assert_int_equal(flaky.invocations, 2);
  f.sched.advance(199 * 1000);
  assert_int_equal(flaky.invocations, 2);
  f.sched.advance(1000);  // 200 ms
  assert_int_equal(flaky.invocations, 3);
  f.sched.advance(400 * 1000);  // 400 ms
  assert_int_equal(flaky.invocations, 4);
  const core::Event *r = result(f, "x");
  assert_int_equal(r->call_state, TOOLORCH_CALL_SUCCEEDED);
  assert_int_equal(r->attempts, 4);
  assert_int_equal(f.engine->stats().retries.load(), 3);
}

static void linear_and_fixed_backoff(void **) {
  std::mt19937_64 rng(1);
  core::BackoffPolicy p;
  p.base_ms = 100;
  p.max_ms = 250;
  p.jitter = false;
  p.kind = core::BackoffPolicy::Kind::kLinear;
  assert_int_equal(core::backoff_delay_ms(p, 1, -1, rng), 100);
  assert_int_equal(core::backoff_delay_ms(p, 2, -1, rng), 200);
  assert_int_equal(core::backoff_delay_ms(p, 3, -1, rng), 250);  // capped
  p.kind = core::BackoffPolicy::Kind::kFixed;
  assert_int_equal(core::backoff_delay_ms(p, 5, -1, rng), 100);
  assert_int_equal(core::backoff_delay_ms(p, 5, 3000, rng), 3000);  // Retry-After is a floor
  p.kind = core::BackoffPolicy::Kind::kExponential;
  p.jitter = true;
  p.max_ms = 100000;
  for (int i = 0; i < 1000; ++i) {
    int64_t d = core::backoff_delay_ms(p, 4, -1, rng);
    assert_true(d >= 0 && d <= 800);  // full jitter in [0, 100 * 2^3]
  }
}

static void retries_stop_at_the_deadline(void **) {
  CoreFixture f;
  Flaky flaky{10};
  add_flaky(f, &flaky, 10, 350);
  core::Batch *b = f.new_batch();
  b->add("flaky", "{}", "x");
  b->submit();
  f.sched.advance(1000 * 1000);
  // Attempts at 0, 100, 300 ms; the next would start at 700 > 350.
  assert_int_equal(flaky.invocations, 3);
  const core::Event *r = result(f, "x");
  assert_int_equal(r->call_state, TOOLORCH_CALL_FAILED);
  assert_int_equal(r->attempts, 3);
  assert_string_equal(core::event_text(*r).c_str(), "try again");
}

static void only_retryable_failures_are_retried(void **) {
  CoreFixture f;
  Flaky flaky{1};
  flaky.flags = 0;  // not marked retryable, and the tool is not RETRYABLE
  add_flaky(f, &flaky, 3, 10000);
  core::Batch *b = f.new_batch();
  b->add("flaky", "{}", "x");
  b->submit();
  f.sched.advance(5000 * 1000);
  assert_int_equal(flaky.invocations, 1);
  assert_int_equal(result(f, "x")->attempts, 1);
}

static void cancel_races_completion_from_threads(void **) {
  CoreFixture f;
  ParkingTool tool;
  f.add_tool("park", &ParkingTool::fn, &tool);
  int succeeded = 0, cancelled = 0;
  for (int i = 0; i < 1000; ++i) {
    core::Batch *b = f.new_batch();
    std::string id = "r" + std::to_string(i);
    b->add("park", "{}", id);
    b->submit();
    core::Call *c = tool.parked.back();
    std::thread t([c] { test::complete(c, "r"); });
    b->cancel();
    t.join();
    f.sched.run_posted();
    int s = result(f, id.c_str())->call_state;
    if (s == TOOLORCH_CALL_SUCCEEDED) succeeded++;
    else if (s == TOOLORCH_CALL_CANCELLED) cancelled++;
  }
  assert_int_equal(succeeded + cancelled, 1000);
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_CALL_RESULT), 1000);
  assert_int_equal(f.engine->stats().late_completions.load(), cancelled);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(better_result_cancels_the_slow_branches),
      cmocka_unit_test(a_poor_result_does_not_cancel),
      cmocka_unit_test(keep_top_n),
      cmocka_unit_test(fatal_failure_cancels_siblings_only_when_asked),
      cmocka_unit_test(group_deadline),
      cmocka_unit_test(group_policy_json),
      cmocka_unit_test(retries_follow_the_backoff_policy),
      cmocka_unit_test(linear_and_fixed_backoff),
      cmocka_unit_test(retries_stop_at_the_deadline),
      cmocka_unit_test(only_retryable_failures_are_retried),
      cmocka_unit_test(cancel_races_completion_from_threads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

// The call's life on the fake clock: deadlines, cancel, double and late
// completions, and bad input that must never reach the tool.
#include <set>
#include <stdexcept>
#include <thread>

#include "core_fixture.h"

using namespace toolorch;
using test::CoreFixture;
using test::ParkingTool;

static core::Options opts(int max_parallel, int timeout_ms) {
  core::Options o;
  assert_int_equal(o.set_int("max_parallel_tools", max_parallel), TOOLORCH_OK);
  assert_int_equal(o.set_int("tool_timeout_ms", timeout_ms), TOOLORCH_OK);
  return o;
}

static void deadline_ends_running_call_once(void **) {
  CoreFixture f(opts(10, 100));
  ParkingTool tool;
  f.add_tool("park", &ParkingTool::fn, &tool);
  core::Batch *b = f.new_batch();
  b->add("park", "{}", "c1");
  b->submit();
  f.sched.advance(99 * 1000);
  assert_null(f.sink.result_for("c1"));
  f.sched.advance(1000);
  const core::Event *r = f.sink.result_for("c1");
  assert_non_null(r);
  assert_int_equal(r->call_state, TOOLORCH_CALL_TIMED_OUT);
  assert_int_equal(r->status, TOOLORCH_ETIMEDOUT);
  assert_non_null(strstr(core::event_text(*r).c_str(), "timed out after 100 ms"));
  // The tool answers late: dropped, counted, never delivered.
  assert_int_equal(tool.complete_one(), TOOLORCH_ELATE);
  assert_int_equal(f.engine->stats().late_completions.load(), 1);
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_CALL_RESULT), 1);
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_BATCH_DONE), 1);
}

static void deadline_covers_waiting(void **) {
  CoreFixture f(opts(1, 100));
  ParkingTool tool;
  f.add_tool("park", &ParkingTool::fn, &tool);
  core::Batch *b = f.new_batch();
  b->add("park", "{}", "first");
  b->add("park", "{}", "second");
  b->submit();
  f.sched.advance(100 * 1000);
  assert_int_equal(tool.invocations, 1);  // the waiting one never reached the tool
  assert_int_equal(f.sink.result_for("second")->call_state, TOOLORCH_CALL_TIMED_OUT);
  assert_int_equal(f.sink.result_for("first")->call_state, TOOLORCH_CALL_TIMED_OUT);
  assert_int_equal(f.engine->stats().waiting.load(), 0);
  assert_int_equal(f.engine->stats().running.load(), 0);
}

static void per_tool_timeout_overrides_default(void **) {
  CoreFixture f(opts(10, 100000));
  ParkingTool tool;
  f.add_tool("park", &ParkingTool::fn, &tool, 0, "{\"type\":\"object\"}", 0, 5);
  core::Batch *b = f.new_batch();
  b->add("park", "{}", "c");
  b->submit();
  f.sched.advance(5000);
  assert_int_equal(f.sink.result_for("c")->call_state, TOOLORCH_CALL_TIMED_OUT);
}

static void complete_after_cancel_is_late(void **) {
  CoreFixture f(opts(10, 1000));
  ParkingTool tool;
  f.add_tool("park", &ParkingTool::fn, &tool);
  core::Batch *b = f.new_batch();
  b->add("park", "{}", "c");
  b->add("park", "{}", "d");
  b->submit();
  b->cancel();
  assert_int_equal(f.sink.result_for("c")->call_state, TOOLORCH_CALL_CANCELLED);
  assert_int_equal(f.sink.result_for("c")->status, TOOLORCH_ECANCELLED);
  assert_true(test::is_cancelled(tool.parked[0]));
  assert_int_equal(tool.complete_one(), TOOLORCH_ELATE);
  assert_int_equal(tool.complete_one(), TOOLORCH_ELATE);
  assert_int_equal(f.engine->stats().late_completions.load(), 2);
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_CALL_RESULT), 2);
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_BATCH_DONE), 1);
  // The deadline timers went with the ends.
  f.sched.advance(10 * 1000 * 1000);
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_CALL_RESULT), 2);
}

// The runner seam: a runner hears of every end that came without its result
// (cancelled, timed out) and of no other.
static void runner_is_told_of_ends_without_result(void **) {
  CoreFixture f(opts(10, 1000));
  ParkingTool tool;
  auto runner = f.add_tool("park", &ParkingTool::fn, &tool);
  core::Batch *b = f.new_batch();
  for (const char *id : {"done", "late", "cut", "raced"}) b->add("park", "{}", id);
  b->submit();
  assert_int_equal(tool.parked.size(), 4);
  core::Call *late = tool.parked[1], *cut = tool.parked[2], *raced = tool.parked[3];
  assert_int_equal(tool.complete_one("r"), TOOLORCH_OK);  // "done" has its result
  // "raced": its result is on the way to the loop when it is cancelled.
  std::thread([raced] { test::complete(raced, "r"); }).join();
  assert_true(f.engine->dispatcher().cancel(raced));
  assert_true(f.engine->dispatcher().cancel(cut));
  assert_true(runner->ended_without_result.size() == 1);
  assert_string_equal(runner->ended_without_result[0].first.c_str(), "cut");
  assert_int_equal(runner->ended_without_result[0].second, TOOLORCH_ECANCELLED);
  f.sched.advance(1000 * 1000);
  assert_int_equal(test::state(late), TOOLORCH_CALL_TIMED_OUT);
  assert_true(runner->ended_without_result.size() == 2);
  assert_string_equal(runner->ended_without_result[1].first.c_str(), "late");
  assert_int_equal(runner->ended_without_result[1].second, TOOLORCH_ETIMEDOUT);
  f.sched.run_posted();  // the raced result arrives late: dropped, counted
  assert_int_equal(f.engine->stats().late_completions.load(), 1);
  assert_int_equal(test::complete(cut, "x"), TOOLORCH_ELATE);
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_BATCH_DONE), 1);
}

static void double_complete_is_rejected(void **) {
  CoreFixture f(opts(10, 1000));
  ParkingTool tool;
  f.add_tool("park", &ParkingTool::fn, &tool);
  core::Batch *b = f.new_batch();
  b->add("park", "{}", "c");
  b->submit();
  core::Call *c = tool.parked[0];
  assert_int_equal(test::complete(c, "one"), TOOLORCH_OK);
  assert_int_equal(test::complete(c, "two"), TOOLORCH_EALREADY);
  assert_int_equal(test::tool_fail(c, "three"), TOOLORCH_EALREADY);
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_CALL_RESULT), 1);
  assert_string_equal(core::event_text(*f.sink.result_for("c")).c_str(), "one");
  assert_int_equal(f.sink.result_for("c")->call_state, TOOLORCH_CALL_SUCCEEDED);
}

static void tool_failure_is_reported(void **) {
  CoreFixture f(opts(10, 1000));
  ParkingTool tool;
  f.add_tool("park", &ParkingTool::fn, &tool);
  core::Batch *b = f.new_batch();
  b->add("park", "{}", "c");
  b->submit();
  assert_int_equal(test::tool_fail(tool.parked[0], "disk on fire"), TOOLORCH_OK);
  const core::Event *r = f.sink.result_for("c");
  assert_int_equal(r->call_state, TOOLORCH_CALL_FAILED);
  assert_int_equal(r->status, TOOLORCH_ETOOL);
  assert_string_equal(core::event_text(*r).c_str(), "disk on fire");
  assert_int_equal(r->attempts, 1);
}

static const char *kSchema =
    "{\"type\":\"object\",\"required\":[\"q\"],\"properties\":{\"q\":{\"type\":\"string\"},"
    "\"n\":{\"type\":\"integer\"},\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}";

static void bad_input_never_reaches_the_tool(void **) {
  CoreFixture f(opts(10, 1000));
  ParkingTool tool;
  f.add_tool("search", &ParkingTool::fn, &tool, 0, kSchema);
  core::Batch *b = f.new_batch();
  b->add("nope", "{}", "unknown");
  b->add("search", "{\"q\": ", "badjson");
  b->add("search", "{\"n\": 3}", "missing");
  b->add("search", "{\"q\": 5}", "wrongtype");
  b->add("search", "{\"q\": \"x\", \"n\": 1.5}", "notint");
  b->add("search", "{\"q\": \"x\", \"tags\": [\"a\", 2]}", "item");
  b->add("search", "[1,2]", "notobject");
  b->add("search", "{\"q\": \"ok\", \"n\": 2, \"tags\": [\"a\"]}", "good");
  b->submit();
  assert_int_equal(tool.invocations, 1);
  assert_int_equal(f.sink.result_for("unknown")->status, TOOLORCH_EUNKNOWN_TOOL);
  assert_non_null(strstr(core::event_text(*f.sink.result_for("unknown")).c_str(), "unknown tool \"nope\""));
  assert_int_equal(f.sink.result_for("badjson")->status, TOOLORCH_EJSON);
  assert_int_equal(f.sink.result_for("missing")->status, TOOLORCH_ESCHEMA);
  assert_non_null(strstr(core::event_text(*f.sink.result_for("missing")).c_str(), "missing required property \"q\""));
  assert_non_null(strstr(core::event_text(*f.sink.result_for("wrongtype")).c_str(), "$.q: expected string, got number"));
  assert_int_equal(f.sink.result_for("notint")->status, TOOLORCH_ESCHEMA);
  assert_non_null(strstr(core::event_text(*f.sink.result_for("item")).c_str(), "$.tags[1]"));
  assert_int_equal(f.sink.result_for("notobject")->status, TOOLORCH_ESCHEMA);
  for (const char *id : {"unknown", "badjson", "missing", "wrongtype", "notint", "item", "notobject"})
    assert_int_equal(f.sink.result_for(id)->call_state, TOOLORCH_CALL_FAILED);
  assert_null(f.sink.result_for("good"));
  assert_int_equal(tool.complete_one(), TOOLORCH_OK);
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_BATCH_DONE), 1);
}

// A tool whose schema is {"type":"object"} takes any object (checked
// without being stored, Dispatcher::validate_args): anything else is refused
// as any argument check refuses it.
static void an_any_object_tool_takes_objects_only(void **) {
  CoreFixture f(opts(10, 1000));
  ParkingTool tool;
  f.add_tool("any", &ParkingTool::fn, &tool);
  core::Batch *b = f.new_batch();
  b->add("any", "{\"q\": ", "truncated");
  b->add("any", "{\"a\":1,}", "comma");
  b->add("any", "{\"a\":[1 2]}", "inner");
  b->add("any", "{\"a\":1} x", "trailing");
  b->add("any", "[1,2]", "array");
  b->add("any", "\"text\"", "string");
  b->add("any", " {\"e\":\"\\u00e9\\n\", \"l\":[1, {\"c\":null}], \"n\":-1.5e3} ", "good");
  b->submit();
  for (const char *id : {"truncated", "comma", "inner", "trailing"})
    assert_int_equal(f.sink.result_for(id)->status, TOOLORCH_EJSON);
  for (const char *id : {"array", "string"}) {
    assert_int_equal(f.sink.result_for(id)->status, TOOLORCH_ESCHEMA);
    assert_non_null(strstr(core::event_text(*f.sink.result_for(id)).c_str(), "do not match its schema"));
  }
  assert_int_equal(tool.invocations, 1);
  assert_null(f.sink.result_for("good"));
  assert_int_equal(tool.complete_one(), TOOLORCH_OK);
  assert_int_equal(f.sink.result_for("good")->call_state, TOOLORCH_CALL_SUCCEEDED);
}

static void too_deep_or_big_arguments_are_refused(void **) {
  core::Options o = opts(10, 1000);
  assert_int_equal(o.set_int("max_json_depth", 4), TOOLORCH_OK);
  assert_int_equal(o.set_int("max_args_bytes", 64), TOOLORCH_OK);
  CoreFixture f(o);
  ParkingTool tool;
  f.add_tool("t", &ParkingTool::fn, &tool);
  core::Batch *b = f.new_batch();
  b->add("t", "{\"a\":{\"b\":{\"c\":{\"d\":{}}}}}", "deep");
  b->add("t", std::string("{\"a\":\"") + std::string(100, 'x') + "\"}", "big");
  b->submit();
  assert_int_equal(f.sink.result_for("deep")->status, TOOLORCH_ETOOBIG);
  assert_int_equal(f.sink.result_for("big")->status, TOOLORCH_ETOOBIG);
  assert_int_equal(tool.invocations, 0);
}

static void empty_batch_is_done_at_once(void **) {
  CoreFixture f;
  core::Batch *b = f.new_batch();
  assert_int_equal(b->submit(), TOOLORCH_OK);
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_BATCH_DONE), 1);
  assert_int_equal(b->submit(), TOOLORCH_ESTATE);
  assert_int_equal(b->add("x", "{}", ""), TOOLORCH_ESTATE);
}

// External tools (TOOL_CALL events) are lib/capi's runner now: see
// tests/unit/capi/test_owned_mode.c. Here: a runner that throws from
// start() fails its call with the message instead of taking the loop down.
static void throwing_runner_fails_the_call(void **) {
  CoreFixture f;
  f.add_tool("boom", [](core::Call *, const char *, void *) { throw std::runtime_error("no disk"); }, nullptr);
  core::Batch *b = f.new_batch();
  b->add("boom", "{}", "e1");
  b->submit();
  const core::Event *r = f.sink.result_for("e1");
  assert_non_null(r);
  assert_int_equal(r->call_state, TOOLORCH_CALL_FAILED);
  assert_string_equal(core::event_text(*r).c_str(), "tool threw: no disk");
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_BATCH_DONE), 1);
}

static void oversized_result_fails_the_call(void **) {
  core::Options o = opts(10, 1000);
  assert_int_equal(o.set_int("max_result_bytes", 16), TOOLORCH_OK);
  CoreFixture f(o);
  ParkingTool tool;
  f.add_tool("t", &ParkingTool::fn, &tool);
  core::Batch *b = f.new_batch();
  b->add("t", "{}", "r");
  b->submit();
  assert_int_equal(tool.complete_one("this result is longer than sixteen bytes"), TOOLORCH_OK);
  assert_int_equal(f.sink.result_for("r")->status, TOOLORCH_ETOOBIG);
}


static void batch_ids_are_unique_given_or_generated(void **) {
  // Ids are generated as the batch is submitted ("call_<n>"): never one a
  // caller gave to another call of the batch, whatever numbers it used.
  CoreFixture f(opts(1000, 100000));
  ParkingTool tool;
  f.add_tool("park", &ParkingTool::fn, &tool);
  core::Batch *b = f.new_batch();
  for (int i = 0; i < 50; ++i) {
    assert_int_equal(b->add("park", "{}", ""), TOOLORCH_OK);
    assert_int_equal(b->add("park", "{}", "call_" + std::to_string(i)), TOOLORCH_OK);
  }
  assert_int_equal(b->add("park", "{}", "call_7"), TOOLORCH_EEXIST);  // given twice
  assert_int_equal(b->size(), 100u);
  assert_int_equal(b->submit(), TOOLORCH_OK);
  assert_int_equal(b->add("park", "{}", ""), TOOLORCH_ESTATE);
  while (!tool.parked.empty()) assert_int_equal(tool.complete_one(), TOOLORCH_OK);
  std::set<std::string> ids;
  for (auto &e : f.sink.events)
    if (e->type == TOOLORCH_EVENT_CALL_RESULT) ids.insert(core::event_call_id(*e));
  assert_int_equal(ids.size(), 100u);
  for (int i = 0; i < 50; ++i) assert_true(ids.count("call_" + std::to_string(i)));
}

static void batch_cancel_before_submit(void **) {
  // Cancelled before submit: by id, or all the calls added so far; each
  // ends cancelled as the batch is submitted, the others run.
  CoreFixture f(opts(10, 100000));
  ParkingTool tool;
  f.add_tool("park", &ParkingTool::fn, &tool);
  core::Batch *b = f.new_batch();
  b->add("park", "{}", "a");
  b->add("park", "{\"x\":1}", "b");
  assert_int_equal(b->cancel_call("b"), TOOLORCH_OK);
  assert_int_equal(b->cancel_call("zz"), TOOLORCH_EINVAL);
  b->cancel();
  b->add("park", "{\"y\":2}", "c");
  b->add("park", "{}", "");
  assert_int_equal(b->submit(), TOOLORCH_OK);
  assert_int_equal(f.sink.result_for("a")->call_state, TOOLORCH_CALL_CANCELLED);
  assert_int_equal(f.sink.result_for("b")->call_state, TOOLORCH_CALL_CANCELLED);
  assert_int_equal(tool.invocations, 2);
  while (!tool.parked.empty()) assert_int_equal(tool.complete_one(), TOOLORCH_OK);
  assert_int_equal(f.sink.result_for("c")->call_state, TOOLORCH_CALL_SUCCEEDED);
  assert_string_equal(f.sink.result_for("c")->about->args().c_str(), "{\"y\":2}");
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_CALL_RESULT), 4);
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_BATCH_DONE), 1);
}

static void batch_calls_are_made_as_they_were_added(void **) {
  // Added calls are kept as records in the batch's blocks until submit:
  // each is made with its own tool, arguments and id, in order, across
  // blocks and with arguments larger than a block; cancelling by id finds a
  // record in a later block.
  CoreFixture f(opts(100000, 100000));
  ParkingTool park, other;
  f.add_tool("park", &ParkingTool::fn, &park);
  f.add_tool("other", &ParkingTool::fn, &other);
  core::Batch *b = f.new_batch();
  const std::string big = "{\"s\":\"" + std::string(40000, 'x') + "\"}";
  std::vector<std::string> tools, args;
  for (int i = 0; i < 3000; ++i) {
    tools.push_back(i % 7 == 3 || i % 7 == 4 ? "other" : "park");
    args.push_back(i == 1500 ? big : "{\"i\":" + std::to_string(i) + "}");
    std::string id = i % 2 ? "id" + std::to_string(i) : "";
    assert_int_equal(b->add(tools.back(), args.back(), id), TOOLORCH_OK);
  }
  assert_int_equal(b->add("", "{}", "nameless"), TOOLORCH_OK);
  assert_int_equal(b->cancel_call("id2999"), TOOLORCH_OK);
  assert_int_equal(b->cancel_call(""), TOOLORCH_EINVAL);
  assert_int_equal(b->size(), 3001u);
  assert_int_equal(b->submit(), TOOLORCH_OK);
  assert_int_equal(park.invocations + other.invocations, 2999);
  // Each tool got its calls in the order they were added.
  size_t ip = 0, io = 0;
  for (int i = 0; i < 2999; ++i) {
    core::Call *c = tools[i] == "park" ? park.parked[ip++] : other.parked[io++];
    assert_string_equal(c->tool_name().c_str(), tools[i].c_str());
    assert_true(c->args() == args[i]);
    if (i % 2) assert_string_equal(c->id().c_str(), ("id" + std::to_string(i)).c_str());
  }
  assert_int_equal(f.sink.result_for("id2999")->call_state, TOOLORCH_CALL_CANCELLED);
  assert_int_equal(f.sink.result_for("nameless")->status, TOOLORCH_EUNKNOWN_TOOL);
  while (!park.parked.empty()) assert_int_equal(park.complete_one(), TOOLORCH_OK);
  while (!other.parked.empty()) assert_int_equal(other.complete_one(), TOOLORCH_OK);
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_CALL_RESULT), 3001);
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_BATCH_DONE), 1);

  // Without given ids, each block is freed as soon as submit has read it:
  // a run of one tool across blocks still names its tool.
  core::Batch *b2 = f.new_batch();
  for (int i = 0; i < 3000; ++i)
    assert_int_equal(b2->add(i < 2000 ? "park" : "other", "{\"j\":" + std::to_string(i) + "}", ""), TOOLORCH_OK);
  assert_int_equal(b2->submit(), TOOLORCH_OK);
  assert_int_equal(park.parked.size(), 2000u);
  assert_int_equal(other.parked.size(), 1000u);
  for (int i = 0; i < 3000; ++i) {
    core::Call *c = i < 2000 ? park.parked[i] : other.parked[i - 2000];
    assert_string_equal(c->tool_name().c_str(), i < 2000 ? "park" : "other");
    assert_true(c->args() == "{\"j\":" + std::to_string(i) + "}");
  }
  while (!park.parked.empty()) assert_int_equal(park.complete_one(), TOOLORCH_OK);
  while (!other.parked.empty()) assert_int_equal(other.complete_one(), TOOLORCH_OK);
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_BATCH_DONE), 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(deadline_ends_running_call_once),
      cmocka_unit_test(deadline_covers_waiting),
      cmocka_unit_test(per_tool_timeout_overrides_default),
      cmocka_unit_test(complete_after_cancel_is_late),
      cmocka_unit_test(runner_is_told_of_ends_without_result),
      cmocka_unit_test(double_complete_is_rejected),
      cmocka_unit_test(tool_failure_is_reported),
      cmocka_unit_test(bad_input_never_reaches_the_tool),
      cmocka_unit_test(an_any_object_tool_takes_objects_only),
      cmocka_unit_test(too_deep_or_big_arguments_are_refused),
      cmocka_unit_test(empty_batch_is_done_at_once),
      cmocka_unit_test(throwing_runner_fails_the_call),
      cmocka_unit_test(oversized_result_fails_the_call),
      cmocka_unit_test(batch_ids_are_unique_given_or_generated),
      cmocka_unit_test(batch_cancel_before_submit),
      cmocka_unit_test(batch_calls_are_made_as_they_were_added),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

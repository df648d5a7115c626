// Chains run on the fake clock (lib/chain over core's dispatcher): the
// seed's shape (three searches in parallel, then combine, fact-check and
// summarise in sequence), a failing middle step, a missing field,
// cancellation mid-chain, fail_fast and collect, caps inside chains,
// deadlines, recursion, computed arguments (by a callback, or by the host
// answering a request).
#include "chain/runner.h"
#include "core_fixture.h"

using namespace toolorch;
using test::CoreFixture;

namespace {

bool contains(const std::string &s, const char *part) { return s.find(part) != std::string::npos; }

core::Options opts(int max_parallel = 64, int timeout_ms = 60000) {
  core::Options o;
  assert_int_equal(o.set_int("max_parallel_tools", max_parallel), TOOLORCH_OK);
  assert_int_equal(o.set_int("tool_timeout_ms", timeout_ms), TOOLORCH_OK);
  assert_int_equal(o.set_bool("emit_call_started", true), TOOLORCH_OK);
  return o;
}

// A tool that parks its calls; the test answers them by call id.
struct Park {
  std::vector<core::Call *> parked;
  std::vector<std::string> seen_args;
  int invocations = 0, running = 0, max_running = 0;
  static void fn(core::Call *call, const char *args, void *ud) {
    auto *self = static_cast<Park *>(ud);
    self->parked.push_back(call);
    self->seen_args.push_back(args);
    self->invocations++;
    self->max_running = std::max(self->max_running, ++self->running);
  }
  core::Call *take(const std::string &id) {
    for (auto it = parked.begin(); it != parked.end(); ++it)
      if ((*it)->id() == id) {
        core::Call *c = *it;
        parked.erase(it);
        running--;
        return c;
      }
    fail_msg("no parked call %s", id.c_str());
    return nullptr;
  }
  int complete(const std::string &id, const char *result) { return test::complete(take(id), result); }
  int fail_call(const std::string &id, const char *message) { return test::tool_fail(take(id), message); }
};

std::shared_ptr<chain::ChainRunner> add_chain(CoreFixture &f, const std::string &json,
                                              const std::function<void(chain::Definition &)> &edit = nullptr) {
  chain::Definition d;
  std::string err;
  if (!chain::parse_definition(json, &d, &err)) fail_msg("parse: %s", err.c_str());
  if (edit) edit(d);
  core::ToolSpec spec;
  if (!chain::make_tool_spec(std::move(d), f.engine->registry(), &spec, &err)) fail_msg("spec: %s", err.c_str());
  auto runner = std::static_pointer_cast<chain::ChainRunner>(spec.runner);
  auto tool = core::Tool::create(spec, &err);
  assert_non_null(tool.get());
  assert_int_equal(f.engine->registry().add(tool, &err), TOOLORCH_OK);
  return runner;
}

// "started:<id>" / "ended:<id>:<state>" in the order the sink saw them.
std::vector<std::string> order(const test::RecordingSink &sink) {
  std::vector<std::string> out;
  for (auto &e : sink.events) {
    if (e->type == TOOLORCH_EVENT_CALL_STARTED) out.push_back("started:" + core::event_call_id(*e));
    if (e->type == TOOLORCH_EVENT_CALL_RESULT)
      out.push_back("ended:" + core::event_call_id(*e) + ":" + core::state_name(e->call_state));
  }
  return out;
}
size_t pos(const std::vector<std::string> &v, const std::string &prefix) {
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i].rfind(prefix, 0) == 0) return i;
  fail_msg("no event %s", prefix.c_str());
  return 0;
}

const char *kResearch = R"({"name":"research","description":"search three ways, then combine, check, summarise",
  "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},
  "steps":[
    {"parallel":[{"name":"s1","tool":"search","args":{"q":"${input#/city} weather"}},
                 {"name":"s2","tool":"search","args":{"q":"${input#/city} news"}},
                 {"name":"s3","tool":"search","args":{"q":"${input#/city} history"}}]},
    {"name":"combine","tool":"combine","args":{"parts":["${s1#/top}","${s2#/top}","${s3}"]}},
    {"name":"check","tool":"fact_check","args":{"text":"${combine}"}},
    {"name":"summary","tool":"summarise","args":{"text":"checked: ${check}","city":"${input#/city}"}}]})";

struct Seed {
  CoreFixture f;
  Park search, combine, check, summarise;
  std::shared_ptr<chain::ChainRunner> runner;
  std::shared_ptr<test::TestToolRunner> search_runner;
  explicit Seed(const std::string &def = kResearch, int max_parallel = 64, int search_cap = 0)
      : f(opts(max_parallel)) {
    search_runner = f.add_tool("search", &Park::fn, &search, search_cap);
    f.add_tool("combine", &Park::fn, &combine);
    f.add_tool("fact_check", &Park::fn, &check);
    f.add_tool("summarise", &Park::fn, &summarise);
    runner = add_chain(f, def);
  }
  core::Batch *call(const char *args = R"({"city":"Oslo"})") {
    core::Batch *b = f.new_batch();
    assert_int_equal(b->add("research", args, "r1"), TOOLORCH_OK);
    assert_int_equal(b->submit(), TOOLORCH_OK);
    return b;
  }
};

void seed_shape_runs_parallel_then_sequence(void **) {
  // Three slots in all: the chain call holds none, so its three searches
  // all run at once.
  Seed s(kResearch, 3);
  s.call();
  assert_int_equal(s.search.running, 3);
  assert_int_equal(s.combine.invocations, 0);
  assert_string_equal(s.search.seen_args[0].c_str(), "{\"q\":\"Oslo weather\"}");
  // The steps are the chain call's children.
  for (auto &e : s.f.sink.events)
    if (e->type == TOOLORCH_EVENT_CALL_STARTED && core::event_call_id(*e) != "r1")
      assert_string_equal(core::event_parent_call_id(*e).c_str(), "r1");
  assert_int_equal(s.search.complete("r1/s2", R"({"top":"news"})"), TOOLORCH_OK);
  assert_int_equal(s.combine.invocations, 0);  // waits for the whole group
  assert_int_equal(s.search.complete("r1/s1", R"({"top":"sun"})"), TOOLORCH_OK);
  assert_int_equal(s.search.complete("r1/s3", "founded 1048"), TOOLORCH_OK);
  assert_int_equal(s.combine.invocations, 1);
  assert_string_equal(s.combine.seen_args[0].c_str(), "{\"parts\":[\"sun\",\"news\",\"founded 1048\"]}");
  assert_int_equal(s.combine.complete("r1/combine", "sun, news, 1048"), TOOLORCH_OK);
  assert_string_equal(s.check.seen_args[0].c_str(), "{\"text\":\"sun, news, 1048\"}");
  assert_int_equal(s.check.complete("r1/check", "true"), TOOLORCH_OK);
  assert_string_equal(s.summarise.seen_args[0].c_str(), "{\"text\":\"checked: true\",\"city\":\"Oslo\"}");
  assert_null(s.f.sink.result_for("r1"));
  assert_int_equal(s.summarise.complete("r1/summary", "Oslo: sunny"), TOOLORCH_OK);
  const core::Event *r = s.f.sink.result_for("r1");
  assert_non_null(r);
  assert_int_equal(r->call_state, TOOLORCH_CALL_SUCCEEDED);
  assert_string_equal(core::event_text(*r).c_str(), "Oslo: sunny");
  assert_string_equal(core::event_parent_call_id(*r).c_str(), "");
  // Order: the three searches all started before any ended; combine started
  // after the last of them ended; each step's result before the chain's.
  auto o = order(s.f.sink);
  size_t first_end = pos(o, "ended:r1/s");
  for (const char *id : {"started:r1/s1", "started:r1/s2", "started:r1/s3"}) assert_true(pos(o, id) < first_end);
  assert_true(pos(o, "started:r1/combine") > pos(o, "ended:r1/s3"));
  assert_true(pos(o, "started:r1/check") > pos(o, "ended:r1/combine"));
  assert_true(pos(o, "ended:r1/summary") < pos(o, "ended:r1:"));
  assert_int_equal(s.f.sink.count(TOOLORCH_EVENT_CALL_RESULT), 7);
  assert_int_equal(s.f.sink.count(TOOLORCH_EVENT_BATCH_DONE), 1);
  assert_int_equal(s.runner->running(), 0);
  assert_int_equal(s.f.engine->stats().running.load(), 0);
}

void failing_middle_step_fails_the_chain_by_name(void **) {
  Seed s;
  s.call();
  s.search.complete("r1/s1", R"({"top":"a"})");
  s.search.complete("r1/s2", R"({"top":"b"})");
  s.search.complete("r1/s3", "c");
  s.combine.complete("r1/combine", "abc");
  assert_int_equal(s.check.fail_call("r1/check", "source unreachable"), TOOLORCH_OK);
  const core::Event *r = s.f.sink.result_for("r1");
  assert_non_null(r);
  assert_int_equal(r->call_state, TOOLORCH_CALL_FAILED);
  assert_true(contains(core::event_text(*r), "chain \"research\": step \"check\" failed: source unreachable"));
  assert_int_equal(s.summarise.invocations, 0);
  assert_int_equal(s.runner->running(), 0);
}

void missing_field_names_step_and_pointer(void **) {
  Seed s;
  s.call();
  s.search.complete("r1/s1", R"({"top":"a"})");
  s.search.complete("r1/s2", R"({"other":"b"})");  // no "top"
  s.search.complete("r1/s3", "c");
  const core::Event *r = s.f.sink.result_for("r1");
  assert_non_null(r);
  assert_int_equal(r->call_state, TOOLORCH_CALL_FAILED);
  const std::string &t = core::event_text(*r);
  assert_true(contains(t, "step \"combine\""));
  assert_true(contains(t, "missing field /top in the result of step \"s2\""));
  assert_int_equal(s.combine.invocations, 0);
}

void cancel_mid_chain_cancels_running_and_starts_no_more(void **) {
  Seed s;
  core::Batch *b = s.call();
  s.search.complete("r1/s1", R"({"top":"a"})");
  assert_int_equal(s.search.running, 2);
  b->cancel();
  const core::Event *r = s.f.sink.result_for("r1");
  assert_non_null(r);
  assert_int_equal(r->call_state, TOOLORCH_CALL_CANCELLED);
  // The running steps were told to stop, and ended cancelled (their events
  // came before the chain's); nothing later ever started.
  assert_int_equal(s.search_runner->ended_without_result.size(), 2);
  assert_int_equal(s.f.sink.result_for("r1/s2")->call_state, TOOLORCH_CALL_CANCELLED);
  assert_int_equal(s.f.sink.result_for("r1/s3")->call_state, TOOLORCH_CALL_CANCELLED);
  auto o = order(s.f.sink);
  assert_true(pos(o, "ended:r1/s3") < pos(o, "ended:r1:"));
  // Late answers of the cancelled steps change nothing.
  assert_int_equal(s.search.complete("r1/s2", "late"), TOOLORCH_ELATE);
  s.f.sched.advance(1000 * 1000);
  assert_int_equal(s.combine.invocations, 0);
  assert_int_equal(s.runner->running(), 0);
  assert_int_equal(s.f.sink.count(TOOLORCH_EVENT_BATCH_DONE), 1);
}

void chain_deadline_cancels_its_steps(void **) {
  std::string def = kResearch;
  def.replace(def.find("\"steps\""), 7, "\"timeout_ms\":500,\"steps\"");
  Seed s(def);
  s.call();
  s.search.complete("r1/s1", R"({"top":"a"})");
  s.search.complete("r1/s2", R"({"top":"b"})");
  s.search.complete("r1/s3", "c");
  assert_int_equal(s.combine.running, 1);
  s.f.sched.advance(500 * 1000);
  assert_int_equal(s.f.sink.result_for("r1")->call_state, TOOLORCH_CALL_TIMED_OUT);
  assert_int_equal(s.f.sink.result_for("r1/combine")->call_state, TOOLORCH_CALL_CANCELLED);
  assert_int_equal(s.check.invocations, 0);
}

void fail_fast_cancels_siblings_collect_lets_them_finish(void **) {
  {
    Seed s;
    s.call();
    s.search.fail_call("r1/s2", "index down");
    assert_int_equal(s.search_runner->ended_without_result.size(), 2);  // s1 and s3 cancelled
    const core::Event *r = s.f.sink.result_for("r1");
    assert_int_equal(r->call_state, TOOLORCH_CALL_FAILED);
    assert_true(contains(core::event_text(*r), "step \"s2\" failed: index down"));
    assert_false(contains(core::event_text(*r), "\"s1\""));  // a sibling it cancelled is no error of its own
  }
  {
    std::string def = kResearch;
    def.replace(def.find("\"steps\""), 7, "\"policy\":\"collect\",\"steps\"");
    Seed s(def);
    s.call();
    s.search.fail_call("r1/s2", "index down");
    assert_int_equal(s.search.running, 2);  // still running
    assert_null(s.f.sink.result_for("r1"));
    s.search.fail_call("r1/s3", "quota");
    s.search.complete("r1/s1", R"({"top":"a"})");
    const core::Event *r = s.f.sink.result_for("r1");
    assert_non_null(r);
    assert_int_equal(r->call_state, TOOLORCH_CALL_FAILED);
    assert_true(contains(core::event_text(*r), "step \"s2\" failed: index down; step \"s3\" failed: quota"));
    assert_int_equal(s.combine.invocations, 0);
    assert_int_equal(s.search_runner->ended_without_result.size(), 0);
  }
}

void caps_hold_inside_chains(void **) {
  // The search tool's own cap of 2 holds for a group of five searches, and
  // a global cap of 1 still lets a chain run (it holds no slot itself).
  const char *def = R"({"name":"research","result":"all","steps":[{"parallel":[
      {"name":"a","tool":"search"},{"name":"b","tool":"search"},{"name":"c","tool":"search"},
      {"name":"d","tool":"search"},{"name":"e","tool":"search"}]}]})";
  Seed s(def, 64, 2);
  s.call("{}");
  assert_int_equal(s.search.running, 2);
  for (const char *id : {"r1/a", "r1/b", "r1/c", "r1/d", "r1/e"}) {
    assert_true(s.search.running <= 2);
    s.search.complete(id, "{\"n\":1}");
  }
  assert_int_equal(s.search.max_running, 2);
  const core::Event *r = s.f.sink.result_for("r1");
  assert_int_equal(r->call_state, TOOLORCH_CALL_SUCCEEDED);
  assert_string_equal(core::event_text(*r).c_str(), R"({"a":{"n":1},"b":{"n":1},"c":{"n":1},"d":{"n":1},"e":{"n":1}})");

  Seed one(def, 1);
  one.call("{}");
  assert_int_equal(one.search.running, 1);
  for (const char *id : {"r1/a", "r1/b", "r1/c", "r1/d", "r1/e"}) one.search.complete(id, "x");
  assert_int_equal(one.search.max_running, 1);
  assert_int_equal(one.f.sink.result_for("r1")->call_state, TOOLORCH_CALL_SUCCEEDED);
  assert_string_equal(core::event_text(*one.f.sink.result_for("r1")).c_str(),
                      R"({"a":"x","b":"x","c":"x","d":"x","e":"x"})");
}

void unknown_step_tool_and_schema_fail_at_run_time(void **) {
  CoreFixture f(opts());
  add_chain(f, R"({"name":"c","steps":[{"name":"a","tool":"not_there"}]})");
  core::Batch *b = f.new_batch();
  b->add("c", "{}", "c1");
  b->submit();
  const core::Event *r = f.sink.result_for("c1");
  assert_int_equal(r->call_state, TOOLORCH_CALL_FAILED);
  assert_true(contains(core::event_text(*r), "step \"a\" failed: unknown tool \"not_there\""));
  // The chain's own schema is checked like any tool's.
  add_chain(f, R"({"name":"d","parameters":{"type":"object","required":["x"]},"steps":[{"tool":"not_there"}]})");
  b = f.new_batch();
  b->add("d", "{}", "d1");
  b->submit();
  assert_int_equal(f.sink.result_for("d1")->status, TOOLORCH_ESCHEMA);
}

void recursion_is_refused(void **) {
  CoreFixture f(opts());
  add_chain(f, R"({"name":"ouroboros","steps":[{"name":"again","tool":"ouroboros"}]})");
  core::Batch *b = f.new_batch();
  b->add("ouroboros", "{}", "o1");
  b->submit();
  const core::Event *r = f.sink.result_for("o1");
  assert_non_null(r);
  assert_int_equal(r->call_state, TOOLORCH_CALL_FAILED);
  assert_true(contains(core::event_text(*r), "calls itself"));
  assert_int_equal(f.engine->stats().running.load(), 0);
}

void computed_arguments_and_side_effect_rule(void **) {
  CoreFixture f(opts());
  Park a, w;
  f.add_tool("read", &Park::fn, &a, 0, "{\"type\":\"object\"}", core::kToolSideEffectFree);
  f.add_tool("write", &Park::fn, &w);
  chain::Definition d;
  std::string err;
  assert_true(chain::parse_definition(std::string(R"({"name":"c","steps":[{"name":"r","tool":"read"},
      {"name":"r2","tool":"read"}]})"), &d, &err));
  std::string seen_context;
  d.root.children[1].args_fn = [&](const std::string &ctx, std::string *args, std::string *) {
    seen_context = ctx;
    *args = "{\"n\":2}";
    return true;
  };
  core::ToolSpec spec;
  assert_true(chain::make_tool_spec(std::move(d), f.engine->registry(), &spec, &err));
  assert_true(spec.flags & core::kToolSideEffectFree);  // every step's tool is
  assert_int_equal(f.engine->registry().add(core::Tool::create(spec, &err), &err), TOOLORCH_OK);
  core::Batch *b = f.new_batch();
  b->add("c", "{\"k\":1}", "c1");
  b->submit();
  a.complete("c1/r", "one");
  assert_string_equal(seen_context.c_str(), R"({"input":{"k":1},"results":{"r":"one"}})");
  assert_string_equal(a.seen_args[1].c_str(), "{\"n\":2}");
  a.complete("c1/r2", "two");
  assert_string_equal(core::event_text(*f.sink.result_for("c1")).c_str(), "two");

  // A step with side effects: the chain is not flagged (unless it says so).
  chain::Definition e;
  assert_true(chain::parse_definition(std::string(R"({"name":"e","steps":[{"tool":"read"},{"tool":"write"}]})"), &e, &err));
  core::ToolSpec espec;
  assert_true(chain::make_tool_spec(std::move(e), f.engine->registry(), &espec, &err));
  assert_false(espec.flags & core::kToolSideEffectFree);
  // A callback that fails fails its step.
  chain::Definition g;
  assert_true(chain::parse_definition(std::string(R"({"name":"g","steps":[{"tool":"read"}]})"), &g, &err));
  g.root.children[0].args_fn = [](const std::string &, std::string *, std::string *e2) {
    *e2 = "no idea";
    return false;
  };
  core::ToolSpec gspec;
  assert_true(chain::make_tool_spec(std::move(g), f.engine->registry(), &gspec, &err));
  f.engine->registry().add(core::Tool::create(gspec, &err), &err);
  b = f.new_batch();
  b->add("g", "{}", "g1");
  b->submit();
  assert_true(contains(core::event_text(*f.sink.result_for("g1")), "step \"read\" failed: no idea"));
}

// Arguments the host computes, under both policies: a sibling fails while
// the request waits. fail_fast ends the request (TOOL_CANCELLED, its answer
// late); collect lets it be answered, but the step does not start.
void host_request_when_a_sibling_fails(void **) {
  for (bool fail_fast : {true, false}) {
    CoreFixture f(opts());
    Park search, combine;
    f.add_tool("search", &Park::fn, &search);
    f.add_tool("combine", &Park::fn, &combine);
    std::string def = std::string(R"({"name":"research","policy":")") + (fail_fast ? "fail_fast" : "collect") +
                      R"(","steps":[{"parallel":[{"name":"s1","tool":"search"},{"name":"x","tool":"combine"}]}]})";
    add_chain(f, def, [](chain::Definition &d) { d.root.children[0].children[1].args_external = true; });
    core::Batch *b = f.new_batch();
    assert_int_equal(b->add("research", "{}", "r1"), TOOLORCH_OK);
    assert_int_equal(b->submit(), TOOLORCH_OK);
    assert_int_equal(f.sink.count(TOOLORCH_EVENT_CHAIN_ARGS), 1);
    core::Call *req = nullptr;
    for (auto &e : f.sink.events)
      if (e->type == TOOLORCH_EVENT_CHAIN_ARGS) {
        req = e->call.get();
        assert_string_equal(e->text.c_str(), "x");
        assert_string_equal(core::event_tool_name(*e).c_str(), "research");
        assert_string_equal(core::event_json(*e).c_str(), R"({"input":{},"results":{}})");
      }
    assert_non_null(req);
    assert_int_equal(f.engine->stats().calls_started.load(), 2);  // the chain and s1: the request is no call
    search.fail_call("r1/s1", "index down");
    if (fail_fast) {
      assert_int_equal(f.sink.count(TOOLORCH_EVENT_TOOL_CANCELLED), 1);
      assert_int_equal(req->state(), TOOLORCH_CALL_CANCELLED);
      assert_int_equal(test::complete(req, R"({"n":1})"), TOOLORCH_ELATE);
    } else {
      assert_int_equal(f.sink.count(TOOLORCH_EVENT_TOOL_CANCELLED), 0);
      assert_null(f.sink.result_for("r1"));  // waits for the answer
      assert_int_equal(test::complete(req, R"({"n":1})"), TOOLORCH_OK);
    }
    const core::Event *r = f.sink.result_for("r1");
    assert_non_null(r);
    assert_int_equal(r->call_state, TOOLORCH_CALL_FAILED);
    assert_true(contains(core::event_text(*r), "step \"s1\" failed: index down"));
    assert_false(contains(core::event_text(*r), "\"x\""));
    assert_int_equal(combine.invocations, 0);
    assert_null(f.sink.result_for("r1/x"));  // neither the request nor the step is a result of the stream
  }
}

}  // namespace

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(seed_shape_runs_parallel_then_sequence),
      cmocka_unit_test(failing_middle_step_fails_the_chain_by_name),
      cmocka_unit_test(missing_field_names_step_and_pointer),
      cmocka_unit_test(cancel_mid_chain_cancels_running_and_starts_no_more),
      cmocka_unit_test(chain_deadline_cancels_its_steps),
      cmocka_unit_test(fail_fast_cancels_siblings_collect_lets_them_finish),
      cmocka_unit_test(caps_hold_inside_chains),
      cmocka_unit_test(unknown_step_tool_and_schema_fail_at_run_time),
      cmocka_unit_test(recursion_is_refused),
      cmocka_unit_test(computed_arguments_and_side_effect_rule),
      cmocka_unit_test(host_request_when_a_sibling_fails),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

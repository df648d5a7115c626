// Speculative execution on the fake clock: guesses from a predictor, the
// history and a (scripted) speculation model; matching, takeover under the
// real id, cancellation of wrong guesses, safety, priority of real calls.
#include <thread>

#include "job_fixture.h"

using namespace toolorch;
using test::JobFixture;

namespace {

const char *kPredictorJob =
    "{\"prompt\":\"hi\",\"model\":\"m\",\"speculation\":{\"source\":\"predictor\",\"confidence_threshold\":0.5}}";

// A fixture whose predictor keeps the channel of each request and adds the
// guesses the test set up, at once.
struct SpecFixture : JobFixture {
  std::vector<core::Guess> guesses;
  std::vector<std::shared_ptr<core::GuessChannel>> channels;
  std::vector<std::string> requests;
  bool answer = true, say_done = true;

  explicit SpecFixture(const core::Options &o = core::Options()) : JobFixture(o) {
    engine->predictor() = [this](const std::string &req, std::shared_ptr<core::GuessChannel> ch) {
      requests.push_back(req);
      channels.push_back(ch);
      if (!answer) return;
      for (auto &g : guesses) assert_int_equal(ch->add(g), TOOLORCH_OK);
      if (say_done) ch->done();
    };
  }
  void start_spec(const std::string &request = kPredictorJob) {
    core::JobConfig cfg;
    std::string err;
    assert_int_equal(core::parse_job_config(request, nullptr, &cfg, &err), TOOLORCH_OK);
    job = std::make_unique<core::Job>(&engine->dispatcher(), &sink, &provider, cfg, nullptr, nullptr);
    job->set_speculation(engine->speculation_env());
    assert_int_equal(job->start(&err), TOOLORCH_OK);
    sched.run_posted();  // the predictor's guesses arrive through the loop
  }
  std::vector<const core::Event *> outcomes(int outcome) const {
    std::vector<const core::Event *> out;
    for (auto &e : sink.events)
      if (e->type == TOOLORCH_EVENT_SPECULATION && e->speculation == outcome) out.push_back(e.get());
    return out;
  }
  int64_t stat(const char *key) const { return engine->stats().get(key); }
};

const char *kQ(const char *q) {
  static std::string s;
  s = std::string("{\"q\":\"") + q + "\"}";
  return s.c_str();
}

}  // namespace

static void all_guesses_right_each_tool_runs_once(void **) {
  core::Options o;
  assert_int_equal(o.set_bool("emit_call_started", true), TOOLORCH_OK);
  SpecFixture f(o);
  f.guesses = {{"search", "{\"q\":\"a\"}", 0.9}, {"search", "{ \"q\" : \"b\" }", 0.8}};
  f.start_spec();
  // Both guesses run while the model is still thinking.
  assert_int_equal(f.search.invocations, 2);
  assert_int_equal(f.requests.size(), 1);
  assert_non_null(strstr(f.requests[0].c_str(), "\"tools\""));
  // The first guess finishes before the model asks for it.
  f.search.complete_one("r:a");
  f.provider.call_ready(0, "c0", "search", "{\"q\":\"a\"}");
  f.provider.call_ready(1, "c1", "search", "{\"q\":\"b\"}");
  f.provider.finish_with_calls({{"c0", "search", "{\"q\":\"a\"}"}, {"c1", "search", "{\"q\":\"b\"}"}});
  assert_int_equal(f.search.invocations, 2);  // never a second execution
  f.search.complete_one("r:b");
  const core::Event *r0 = f.sink.result_for("c0");
  const core::Event *r1 = f.sink.result_for("c1");
  assert_non_null(r0);
  assert_non_null(r1);
  assert_int_equal(r0->speculation, TOOLORCH_SPECULATION_TAKEN_OVER_FINISHED);
  assert_int_equal(r1->speculation, TOOLORCH_SPECULATION_TAKEN_OVER_RUNNING);
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_CALL_RESULT), 2);  // one result each, none for guesses
  // CALL_STARTED of a guess keeps the guess's id; the result carries the real one.
  for (auto &e : f.sink.events)
    if (e->type == TOOLORCH_EVENT_CALL_STARTED)
      assert_int_equal(core::event_call_id(*e).compare(0, 6, "guess_"), 0);
  assert_int_equal(f.outcomes(TOOLORCH_SPECULATION_USED).size(), 2);
  f.guesses.clear();  // no guesses for the final round
  f.sched.advance(0);
  // The model sees each result once, under its ids.
  const llm::Request &next = f.provider.request();
  assert_int_equal(next.messages.size(), 1 + 1 + 2);
  assert_string_equal(next.messages[2].tool_call_id.c_str(), "c0");
  assert_string_equal(next.messages[2].text.c_str(), "r:a");
  assert_string_equal(next.messages[3].tool_call_id.c_str(), "c1");
  assert_string_equal(next.messages[3].text.c_str(), "r:b");
  f.provider.finish_with_text("done");
  const core::Event *done = f.job_done();
  assert_int_equal(done->status, TOOLORCH_OK);
  assert_non_null(strstr(done->spec_json.c_str(), "\"guesses\":2,\"hits\":2,\"cancelled\":0"));
  assert_int_equal(f.stat("speculation_hits"), 2);
}

static void all_guesses_wrong_are_cancelled_and_never_delivered(void **) {
  SpecFixture f;
  f.guesses = {{"search", "{\"q\":\"x\"}", 0.9}, {"search", "{\"q\":\"y\"}", 0.9}};
  f.start_spec();
  assert_int_equal(f.search.invocations, 2);
  f.sched.advance(50000);
  f.search.complete_one("r:x");  // finished, unasked: wasted
  f.provider.call_ready(0, "c0", "search", "{\"q\":\"a\"}");
  // Not yet: the response may still ask for them.
  assert_int_equal(f.outcomes(TOOLORCH_SPECULATION_CANCELLED).size(), 0);
  f.provider.finish_with_calls({{"c0", "search", "{\"q\":\"a\"}"}});
  assert_int_equal(f.outcomes(TOOLORCH_SPECULATION_CANCELLED).size(), 1);
  auto wasted = f.outcomes(TOOLORCH_SPECULATION_WASTED);
  assert_int_equal(wasted.size(), 1);
  assert_int_equal(wasted[0]->run_us, 50000);
  assert_int_equal(f.search.invocations, 3);
  // The cancelled guess's tool still holds it: its late completion is dropped.
  f.search.complete_one("r:y");
  f.search.complete_one("r:a");
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_CALL_RESULT), 1);
  assert_int_equal(f.sink.result_for("c0")->speculation, TOOLORCH_SPECULATION_NONE);
  f.guesses.clear();
  f.sched.advance(0);
  const llm::Request &next = f.provider.request();
  assert_int_equal(next.messages.size(), 1 + 1 + 1);
  assert_string_equal(next.messages[2].text.c_str(), "r:a");
  f.provider.finish_with_text("same answer");
  assert_string_equal(f.job_done()->text.c_str(), "same answer");
  assert_int_equal(f.stat("speculation_cancelled"), 1);
  assert_int_equal(f.stat("speculation_wasted"), 1);
  assert_true(f.stat("speculation_wasted_tool_us") >= 50000);
}

static void half_right(void **) {
  SpecFixture f;
  f.guesses = {{"search", "{\"q\":\"a\"}", 1}, {"search", "{\"q\":\"x\"}", 1}};
  f.start_spec();
  f.provider.call_ready(0, "c0", "search", "{\"q\":\"a\"}");
  f.provider.call_ready(1, "c1", "search", "{\"q\":\"b\"}");
  f.provider.finish_with_calls({{"c0", "search", "{\"q\":\"a\"}"}, {"c1", "search", "{\"q\":\"b\"}"}});
  assert_int_equal(f.search.invocations, 3);
  assert_int_equal(f.outcomes(TOOLORCH_SPECULATION_USED).size(), 1);
  assert_int_equal(f.outcomes(TOOLORCH_SPECULATION_CANCELLED).size(), 1);
  f.complete_all();
  assert_int_equal(f.sink.result_for("c0")->speculation, TOOLORCH_SPECULATION_TAKEN_OVER_RUNNING);
  assert_int_equal(f.sink.result_for("c1")->speculation, TOOLORCH_SPECULATION_NONE);
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_CALL_RESULT), 2);
}

static void side_effecting_guess_never_runs(void **) {
  SpecFixture f;
  f.guesses = {{"write", "{}", 1.0}};
  f.start_spec();
  assert_int_equal(f.write.invocations, 0);  // its function was never entered
  auto dropped = f.outcomes(TOOLORCH_SPECULATION_DROPPED);
  assert_int_equal(dropped.size(), 1);
  assert_string_equal(dropped[0]->text.c_str(), "side_effects");
  // The model then asks for it: it runs once, as a real call.
  f.provider.finish_with_calls({{"c0", "write", "{}"}});
  assert_int_equal(f.write.invocations, 1);
  assert_int_equal(f.stat("speculation_dropped_side_effects"), 1);
}

static void bad_guesses_are_dropped_by_reason(void **) {
  SpecFixture f;
  f.guesses = {{"nope", "{}", 1},
               {"search", "{\"q\":\"a\"}", 0.2},
               {"search", "{\"q\":", 1},
               {"search", "{\"q\":5}", 1},
               {"search", "{\"q\":\"1\"}", 1},
               {"search", "{\"q\":\"2\"}", 1},
               {"search", "{\"q\":\"3\"}", 1}};
  f.start_spec("{\"prompt\":\"hi\",\"model\":\"m\",\"speculation\":{\"source\":\"predictor\","
               "\"max_speculative_calls\":2}}");
  assert_int_equal(f.search.invocations, 2);
  assert_int_equal(f.stat("speculation_dropped_unknown_tool"), 1);
  assert_int_equal(f.stat("speculation_dropped_below_threshold"), 1);
  assert_int_equal(f.stat("speculation_dropped_invalid_arguments"), 2);
  assert_int_equal(f.stat("speculation_dropped_over_cap"), 1);
  assert_int_equal(f.stat("speculation_guesses"), 7);
  f.provider.finish_with_text("no tools");
  assert_int_equal(f.job_done()->status, TOOLORCH_OK);
  assert_non_null(strstr(f.job_done()->spec_json.c_str(),
                         "\"dropped\":{\"side_effects\":0,\"over_cap\":1,\"below_threshold\":1,"
                         "\"unknown_tool\":1,\"invalid_arguments\":2,\"rate_limited\":0}"));
}

static void predictor_from_another_thread_late_and_never(void **) {
  {  // another thread, while the model thinks
    SpecFixture f;
    f.answer = false;
    f.start_spec();
    auto ch = f.channels.at(0);
    std::thread t([ch] {
      ch->add({"search", "{\"q\":\"a\"}", 1});
      ch->done();
    });
    t.join();
    assert_int_equal(f.search.invocations, 0);  // reaches the loop on its next pass
    f.sched.run_posted();
    assert_int_equal(f.search.invocations, 1);
    f.provider.finish_with_calls({{"c0", "search", "{\"q\":\"a\"}"}});
    assert_int_equal(f.search.invocations, 1);
    assert_int_equal(f.sink.count(TOOLORCH_EVENT_CALL_RESULT), 0);
    f.complete_all();
    assert_int_equal(f.sink.result_for("c0")->speculation, TOOLORCH_SPECULATION_TAKEN_OVER_RUNNING);
  }
  {  // late: after the response delivered its calls
    SpecFixture f;
    f.answer = false;
    f.start_spec();
    f.provider.finish_with_calls({{"c0", "search", "{\"q\":\"a\"}"}});
    auto ch = f.channels.at(0);
    std::thread t([ch] { assert_int_equal(ch->add({"search", "{\"q\":\"a\"}", 1}), TOOLORCH_ELATE); });
    t.join();
    f.sched.run_posted();
    assert_int_equal(f.search.invocations, 1);  // only the real call
  }
  {  // added from another thread but arriving after the round closed: dropped on the loop
    SpecFixture f;
    f.answer = false;
    f.start_spec();
    auto ch = f.channels.at(0);
    std::thread t([ch] { ch->add({"search", "{\"q\":\"z\"}", 1}); });
    t.join();
    f.provider.finish_with_calls({{"c0", "search", "{\"q\":\"a\"}"}});
    f.sched.run_posted();
    assert_int_equal(f.search.invocations, 1);
  }
  {  // never answers: the job goes on as if there were no speculation
    SpecFixture f;
    f.answer = false;
    f.start_spec();
    f.provider.finish_with_calls({{"c0", "search", "{\"q\":\"a\"}"}});
    f.complete_all();
    f.sched.advance(0);
    f.provider.finish_with_text("ok");
    assert_int_equal(f.job_done()->status, TOOLORCH_OK);
    assert_int_equal(f.channels.size(), 2);  // asked again at round 2
    assert_int_equal(f.channels[0]->add({"search", "{}", 1}), TOOLORCH_ELATE);
  }
  {  // a predictor that never answers times out, counted
    SpecFixture f;
    f.answer = false;
    f.start_spec("{\"prompt\":\"hi\",\"model\":\"m\",\"speculation\":{\"source\":\"predictor\",\"timeout_ms\":100}}");
    f.sched.advance(100000);
    assert_int_equal(f.stat("speculation_source_failures"), 1);
    assert_int_equal(f.channels[0]->add({"search", "{\"q\":\"a\"}", 1}), TOOLORCH_ELATE);
    f.provider.finish_with_text("ok");
    assert_int_equal(f.job_done()->status, TOOLORCH_OK);
  }
}

static void history_hits_a_repeated_job_and_not_a_different_one(void **) {
  JobFixture f;
  auto run = [&f](const std::string &prompt, const std::string &q) {
    core::JobConfig cfg;
    std::string err;
    std::string req = "{\"prompt\":\"" + prompt + "\",\"model\":\"m\",\"speculation\":{\"source\":\"history\"}}";
    assert_int_equal(core::parse_job_config(req, nullptr, &cfg, &err), TOOLORCH_OK);
    f.sink.events.clear();
    f.job = std::make_unique<core::Job>(&f.engine->dispatcher(), &f.sink, &f.provider, cfg, nullptr, nullptr);
    f.job->set_speculation(f.engine->speculation_env());
    assert_int_equal(f.job->start(&err), TOOLORCH_OK);
    int before = f.search.invocations;
    int guessed = f.search.invocations;
    f.provider.call_ready(0, "c0", "search", "{\"q\":\"" + q + "\"}");
    f.provider.finish_with_calls({{"c0", "search", "{\"q\":\"" + q + "\"}"}});
    f.complete_all();
    f.sched.advance(0);
    f.provider.finish_with_text("ok");
    assert_int_equal(f.job_done()->status, TOOLORCH_OK);
    (void)before;
    return std::make_pair(guessed, f.search.invocations);
  };
  auto first = run("What is   the Weather?", "paris");
  assert_int_equal(first.first, 0);  // nothing known yet
  int64_t hits_before = f.engine->stats().get("speculation_hits");
  auto second = run("what is the weather?", "paris");  // the same state, normalised
  assert_int_equal(second.first - first.second, 1);     // guessed as the request went out
  assert_int_equal(second.second - first.second, 1);     // and not run again
  assert_int_equal(f.engine->stats().get("speculation_hits"), hits_before + 1);
  assert_int_equal(f.sink.result_for("c0")->speculation, TOOLORCH_SPECULATION_TAKEN_OVER_RUNNING);
  auto third = run("something else entirely", "rome");
  assert_int_equal(third.first - second.second, 0);  // a different state: no guess
  assert_int_equal(f.engine->stats().get("speculation_hits"), hits_before + 1);
}

static void history_is_bounded_lru(void **) {
  core::SpeculationHistory h(2);
  h.record("a", {{"search", "{}"}});
  h.record("b", {{"search", "{}"}});
  assert_int_equal(h.lookup("a").size(), 1);  // a is now the most recent
  h.record("c", {{"search", "{}"}});
  assert_int_equal(h.size(), 2);
  assert_int_equal(h.lookup("b").size(), 0);  // the least recently used went
  assert_int_equal(h.lookup("a").size(), 1);
  h.record("a", {{"search", "{\"q\":1}"}});
  auto g = h.lookup("a");
  assert_int_equal(g.size(), 2);
  for (auto &x : g) assert_true(x.confidence == 0.5);
}

static void real_calls_take_running_guests_slots(void **) {
  core::Options o;
  assert_int_equal(o.set_int("max_parallel_tools", 2), TOOLORCH_OK);
  SpecFixture f(o);
  f.guesses = {{"search", kQ("g1"), 1}, {"search", kQ("g2"), 1}, {"search", kQ("g3"), 1}, {"search", kQ("g4"), 1}};
  f.start_spec();
  assert_int_equal(f.search.invocations, 2);  // the cap: 2 run, 2 wait
  f.provider.call_ready(0, "c0", "search", "{\"q\":\"r1\"}");
  f.provider.call_ready(1, "c1", "search", "{\"q\":\"r2\"}");
  // Both real calls started at once, each in a running guess's slot.
  assert_int_equal(f.search.invocations, 4);
  assert_int_equal(f.stat("speculation_preempted"), 2);
  assert_int_equal(f.stat("running"), 2);
  std::string a1 = test::args(f.search.parked[2]), a2 = test::args(f.search.parked[3]);
  assert_string_equal(a1.c_str(), "{\"q\":\"r1\"}");
  assert_string_equal(a2.c_str(), "{\"q\":\"r2\"}");
  f.provider.finish_with_calls({{"c0", "search", "{\"q\":\"r1\"}"}, {"c1", "search", "{\"q\":\"r2\"}"}});
  // The waiting guesses never started: cancelled with the round.
  assert_int_equal(f.search.invocations, 4);
  assert_int_equal(f.outcomes(TOOLORCH_SPECULATION_CANCELLED).size(), 4);
  f.complete_all();
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_CALL_RESULT), 2);
}

static void tool_cap_preempts_a_guess_of_that_tool(void **) {
  SpecFixture f;
  // A side-effect-free tool with its own cap of 1.
  test::ParkingTool capped;
  f.add_tool("lookup", &test::ParkingTool::fn, &capped, 1, "{\"type\":\"object\"}", core::kToolSideEffectFree);
  f.guesses = {{"lookup", "{\"k\":1}", 1}};
  f.start_spec();
  assert_int_equal(capped.invocations, 1);
  f.provider.call_ready(0, "c0", "lookup", "{\"k\":2}");
  assert_int_equal(capped.invocations, 2);
  assert_int_equal(f.outcomes(TOOLORCH_SPECULATION_CANCELLED).size(), 1);
  while (!capped.parked.empty()) capped.complete_one("r");
}

static void model_source(void **) {
  auto make = [](test::ScriptedProvider *model, SpecFixture &f, const char *extra = "") {
    core::JobConfig cfg;
    std::string err;
    std::string req = std::string("{\"prompt\":\"hi\",\"model\":\"m\",\"speculation\":{\"source\":\"model\",") +
                      "\"timeout_ms\":500" + extra + "}}";
    assert_int_equal(core::parse_job_config(req, nullptr, &cfg, &err), TOOLORCH_OK);
    f.job = std::make_unique<core::Job>(&f.engine->dispatcher(), &f.sink, &f.provider, cfg, nullptr, nullptr);
    core::SpeculationEnv env = f.engine->speculation_env();
    env.model = model;
    env.model_name = "small";
    f.job->set_speculation(env);
    assert_int_equal(f.job->start(&err), TOOLORCH_OK);
  };
  {  // right guesses, from a forced predict_calls
    SpecFixture f;
    test::ScriptedProvider model;
    make(&model, f);
    assert_int_equal(model.sent.size(), 1);
    const llm::Request &r = model.request();
    assert_false(r.stream);
    assert_string_equal(r.model.c_str(), "small");
    assert_string_equal(r.tool_choice.c_str(), "predict_calls");
    assert_string_equal(r.tools.back().name.c_str(), "predict_calls");
    assert_int_equal(r.tools.size(), 3);
    model.finish_with_calls({{"p0", "predict_calls",
                              "{\"calls\":[{\"tool\":\"search\",\"arguments\":{\"q\":\"a\"},\"confidence\":0.9},"
                              "{\"tool\":\"search\",\"arguments\":\"{\\\"q\\\":\\\"b\\\"}\",\"confidence\":0.7},"
                              "{\"tool\":\"search\",\"arguments\":{\"q\":\"c\"},\"confidence\":0.1}]}"}});
    assert_int_equal(f.search.invocations, 2);
    assert_int_equal(f.stat("speculation_dropped_below_threshold"), 1);
    f.provider.finish_with_calls({{"c0", "search", "{\"q\":\"a\"}"}, {"c1", "search", "{\"q\":\"b\"}"}});
    assert_int_equal(f.search.invocations, 2);
    assert_int_equal(f.stat("speculation_hits"), 2);
  }
  {  // garbage, failing, slow: counted, never the job's failure nor delay
    for (int mode = 0; mode < 3; ++mode) {
      SpecFixture f;
      test::ScriptedProvider model;
      make(&model, f);
      if (mode == 0) model.finish_with_text("I think it will search.");
      if (mode == 1) model.fail_request(TOOLORCH_EPROVIDER, true, -1, "503");
      if (mode == 2) f.sched.advance(500000);  // the speculation model's timeout
      if (mode == 2) assert_true(model.sent.back()->cancelled);
      assert_int_equal(f.stat("speculation_source_failures"), 1);
      f.provider.finish_with_calls({{"c0", "search", "{\"q\":\"a\"}"}});
      assert_int_equal(f.search.invocations, 1);
      f.complete_all();
      f.sched.advance(0);
      f.provider.finish_with_text("fine");
      assert_int_equal(f.job_done()->status, TOOLORCH_OK);
    }
  }
  {  // the main answer comes first: the speculation request is cancelled
    SpecFixture f;
    test::ScriptedProvider model;
    make(&model, f);
    f.provider.finish_with_text("quick");
    assert_true(model.sent.back()->cancelled);
    assert_int_equal(f.job_done()->status, TOOLORCH_OK);
  }
}

static void speculation_requests_are_checked(void **) {
  const char *bad[] = {
      "{\"prompt\":\"x\",\"model\":\"m\",\"speculation\":{\"source\":\"dice\"}}",
      "{\"prompt\":\"x\",\"model\":\"m\",\"speculation\":{\"confidence_threshold\":2}}",
      "{\"prompt\":\"x\",\"model\":\"m\",\"speculation\":{\"max_speculative_calls\":-1}}",
      "{\"prompt\":\"x\",\"model\":\"m\",\"speculation\":{\"timeout_ms\":0}}",
      "{\"prompt\":\"x\",\"model\":\"m\",\"speculation\":{\"model\":\"gpt\"}}",
      "{\"prompt\":\"x\",\"model\":\"m\",\"speculation\":{\"bogus\":1}}",
      "{\"prompt\":\"x\",\"model\":\"m\",\"speculation\":[]}",
  };
  for (const char *r : bad) {
    core::JobConfig cfg;
    std::string err;
    assert_int_equal(core::parse_job_config(r, nullptr, &cfg, &err), TOOLORCH_ECONFIG);
    assert_non_null(strstr(err.c_str(), "speculation"));
  }
}

static void cancelling_the_job_cancels_guesses(void **) {
  SpecFixture f;
  f.guesses = {{"search", kQ("a"), 1}};
  f.start_spec();
  f.job->cancel();
  assert_int_equal(f.outcomes(TOOLORCH_SPECULATION_CANCELLED).size(), 1);
  assert_int_equal(f.job_done()->status, TOOLORCH_ECANCELLED);
  f.complete_all();
  f.job.reset();
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(all_guesses_right_each_tool_runs_once),
      cmocka_unit_test(all_guesses_wrong_are_cancelled_and_never_delivered),
      cmocka_unit_test(half_right),
      cmocka_unit_test(side_effecting_guess_never_runs),
      cmocka_unit_test(bad_guesses_are_dropped_by_reason),
      cmocka_unit_test(predictor_from_another_thread_late_and_never),
      cmocka_unit_test(history_hits_a_repeated_job_and_not_a_different_one),
      cmocka_unit_test(history_is_bounded_lru),
      cmocka_unit_test(real_calls_take_running_guests_slots),
      cmocka_unit_test(tool_cap_preempts_a_guess_of_that_tool),
      cmocka_unit_test(model_source),
      cmocka_unit_test(speculation_requests_are_checked),
      cmocka_unit_test(cancelling_the_job_cancels_guesses),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

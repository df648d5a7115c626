// The command runner's reaping fallback (waitpid WNOHANG on a timer, for
// kernels without pidfd), driven directly on a core Engine over a borrowed
// libevent base: results, a cancel, and nothing left running afterwards.
#include <event2/event.h>

#include "core/batch.h"
#include "core/engine.h"
#include "loop/event_loop.h"
#include "tools/command_tool.h"
#include "tools_test_util.h"

using namespace tools_test;
namespace core = toolorch::core;

namespace {

struct Sink final : core::EventSink {
  std::vector<Result> results;
  bool done = false;
  void emit(core::EventPtr ev) override {
    if (ev->type == TOOLORCH_EVENT_CALL_RESULT) {
      Result r;
      r.id = core::event_call_id(*ev);
      r.text = core::event_text(*ev);
      r.state = ev->call_state;
      results.push_back(r);
    }
    if (ev->type == TOOLORCH_EVENT_BATCH_DONE) done = true;
  }
};

struct Rig {
  event_base *base = event_base_new();
  std::unique_ptr<toolorch::loop::EventLoop> loop;
  Sink sink;
  std::unique_ptr<core::Engine> engine;
  std::vector<std::shared_ptr<toolorch::tools::CommandToolRunner>> runners;

  Rig() {
    std::string err;
    loop = toolorch::loop::EventLoop::create_borrowed(base, &err);
    assert_non_null(loop.get());
    engine = std::make_unique<core::Engine>(core::Options(), loop.get(), &sink);
  }
  ~Rig() {
    engine->shutdown();
    for (auto &r : runners) r->shutdown();
    engine.reset();
    loop.reset();
    event_base_free(base);
  }
  toolorch::tools::CommandToolRunner *add(const char *name, std::vector<std::string> argv, int64_t timeout_ms = 0) {
    toolorch::tools::CommandToolOptions o;
    o.use_pidfd = false;
    o.reap_poll_ms = 5;
    auto runner = std::make_shared<toolorch::tools::CommandToolRunner>(std::move(argv), base, o);
    core::ToolSpec spec;
    spec.name = name;
    spec.timeout_ms = timeout_ms;
    spec.runner = runner;
    std::string err;
    auto tool = core::Tool::create(spec, &err);
    assert_non_null(tool.get());
    assert_int_equal(engine->registry().add(tool, &err), TOOLORCH_OK);
    runners.push_back(runner);
    return runner.get();
  }
  void spin_until(const std::function<bool()> &cond) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!cond()) {
      assert_true(std::chrono::steady_clock::now() < until);
      event_base_loop(base, EVLOOP_ONCE);
    }
  }
};

void results_through_the_polling_reaper(void **) {
  Rig rig;
  auto *cat = rig.add("cat", {"cat"});
  rig.add("fail", {"sh", "-c", "echo bad >&2; exit 4"});
  core::Batch batch(&rig.engine->dispatcher(), &rig.sink, nullptr, nullptr);
  assert_int_equal(batch.add("cat", "{\"a\":1}", "ok"), TOOLORCH_OK);
  assert_int_equal(batch.add("fail", "{}", "bad"), TOOLORCH_OK);
  assert_int_equal(batch.submit(), TOOLORCH_OK);
  rig.spin_until([&] { return rig.sink.done; });
  assert_int_equal(rig.sink.results.size(), 2);
  for (const Result &r : rig.sink.results) {
    if (r.id == "ok") {
      assert_int_equal(r.state, TOOLORCH_CALL_SUCCEEDED);
      assert_string_equal(r.text.c_str(), "{\"a\":1}");
    } else {
      assert_int_equal(r.state, TOOLORCH_CALL_FAILED);
      assert_string_equal(r.text.c_str(), "command exited with status 4: bad");
    }
  }
  assert_int_equal(cat->in_flight(), 0);
}

void cancel_then_reaped_by_polling(void **) {
  Rig rig;
  auto *sleeper = rig.add("sleep", {"sleep", "30"});
  core::Batch batch(&rig.engine->dispatcher(), &rig.sink, nullptr, nullptr);
  for (int i = 0; i < 3; ++i) assert_int_equal(batch.add("sleep", "{}", ""), TOOLORCH_OK);
  assert_int_equal(batch.submit(), TOOLORCH_OK);
  assert_int_equal(sleeper->in_flight(), 3);
  batch.cancel();
  assert_true(rig.sink.done);  // the ends are synchronous on the loop thread
  assert_int_equal(rig.sink.results.size(), 3);
  for (const Result &r : rig.sink.results) assert_int_equal(r.state, TOOLORCH_CALL_CANCELLED);
  // Killed; reaped by the timer, not by a blocking wait.
  rig.spin_until([&] { return sleeper->in_flight() == 0; });
  assert_true(no_children_left());
}

void shutdown_reaps_what_still_runs(void **) {
  {
    Rig rig;
    auto *sleeper = rig.add("sleep", {"sleep", "30"});
    core::Batch batch(&rig.engine->dispatcher(), &rig.sink, nullptr, nullptr);
    assert_int_equal(batch.add("sleep", "{}", ""), TOOLORCH_OK);
    assert_int_equal(batch.submit(), TOOLORCH_OK);
    assert_int_equal(sleeper->in_flight(), 1);
    batch.detach();  // cancels: killed, not yet reaped
    sleeper->shutdown();
    assert_int_equal(sleeper->in_flight(), 0);
  }
  assert_true(no_children_left());
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(results_through_the_polling_reaper),
      cmocka_unit_test(cancel_then_reaped_by_polling),
      cmocka_unit_test(shutdown_reaps_what_still_runs),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

// An Engine on the fake clock with a recording event sink and a tool that
// parks its calls until the test completes them: core tests need no sockets,
// and link no layer above core (tools run through test::TestToolRunner).
#pragma once

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cmocka_cpp.h"
#include "core/batch.h"
#include "core/engine.h"
#include "fake_scheduler.h"
#include "test_tool_runner.h"

// Core's tests speak core's numbers (core/codes.h), never the C ABI's.
using namespace toolorch::core::codes;

namespace toolorch::test {

struct RecordingSink : core::EventSink {
  std::vector<core::EventPtr> events;
  // Runs after each event is recorded, as a host's event callback would.
  std::function<void(const core::Event &)> on_emit;
  void emit(core::EventPtr ev) override {
    events.push_back(std::move(ev));
    if (on_emit) on_emit(*events.back());
  }
  size_t count(int type) const {
    return std::count_if(events.begin(), events.end(), [type](const core::EventPtr &e) { return e->type == type; });
  }
  const core::Event *result_for(const std::string &call_id) const {
    for (auto &e : events)
      if (e->type == TOOLORCH_EVENT_CALL_RESULT && core::event_call_id(*e) == call_id) return e.get();
    return nullptr;
  }
};

// A tool that keeps every call it is given and tracks concurrency.
struct ParkingTool {
  std::vector<core::Call *> parked;
  int running = 0, max_running = 0, invocations = 0;
  static void fn(core::Call *call, const char *, void *ud) {
    auto *self = static_cast<ParkingTool *>(ud);
    self->parked.push_back(call);
    self->invocations++;
    self->running++;
    self->max_running = std::max(self->max_running, self->running);
  }
  // Complete the oldest parked call.
  int complete_one(const char *result = "ok") {
    if (parked.empty()) return -1000;
    core::Call *c = parked.front();
    parked.erase(parked.begin());
    running--;
    return test::complete(c, result);
  }
};

struct CoreFixture {
  FakeScheduler sched;
  RecordingSink sink;
  std::unique_ptr<core::Engine> engine;

  explicit CoreFixture(const core::Options &opts = core::Options()) {
    engine = std::make_unique<core::Engine>(opts, &sched, &sink);
    std::string err;
    assert_int_equal(engine->init(&err), TOOLORCH_OK);
  }
  ~CoreFixture() {
    batches.clear();  // owners go first: they cancel what still runs
    engine.reset();
  }
  // A tool run by a TestToolRunner (returned, to see what it was told);
  // flagged kToolBlocking, it runs on the engine's worker pool.
  std::shared_ptr<TestToolRunner> add_tool(const std::string &name, TestToolFn fn, void *ud, int max_parallel = 0,
                                           const char *schema = "{\"type\":\"object\"}", unsigned flags = 0,
                                           int64_t timeout_ms = 0, const std::string &service = "") {
    core::ToolSpec spec;
    spec.name = name;
    auto runner = std::make_shared<TestToolRunner>(fn, ud, (flags & core::kToolBlocking) ? &engine->pool() : nullptr);
    spec.runner = runner;
    spec.max_parallel = max_parallel;
    spec.schema_json = schema;
    spec.flags = flags;
    spec.timeout_ms = timeout_ms;
    spec.service = service;
    std::string err;
    auto tool = core::Tool::create(spec, &err);
    assert_non_null(tool.get());
    assert_int_equal(engine->registry().add(tool, &err), TOOLORCH_OK);
    return runner;
  }
  core::Batch *new_batch() {
    batches.push_back(std::make_unique<core::Batch>(&engine->dispatcher(), &sink, nullptr, nullptr));
    return batches.back().get();
  }
  std::vector<std::unique_ptr<core::Batch>> batches;
};

}  // namespace toolorch::test

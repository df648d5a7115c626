// A Job on the fake clock against the scripted provider.
#pragma once

#include "core/job.h"
#include "core_fixture.h"
#include "scripted_provider.h"

namespace toolorch::test {

struct JobFixture : CoreFixture {
  ScriptedProvider provider;
  std::unique_ptr<core::Job> job;
  ParkingTool search, write;  // search is side-effect free, write is not

  explicit JobFixture(const core::Options &o = core::Options()) : CoreFixture(o) {
    add_tool("search", &ParkingTool::fn, &search, 0,
             "{\"type\":\"object\",\"required\":[\"q\"],\"properties\":{\"q\":{\"type\":\"string\"}}}",
             core::kToolSideEffectFree);
    add_tool("write", &ParkingTool::fn, &write);
  }
  ~JobFixture() { job.reset(); }

  void start(const std::string &request = "{\"prompt\":\"hi\",\"model\":\"m\"}") {
    core::JobConfig cfg;
    std::string err;
    assert_int_equal(core::parse_job_config(request, nullptr, &cfg, &err), TOOLORCH_OK);
    job = std::make_unique<core::Job>(&engine->dispatcher(), &sink, &provider, cfg, nullptr, nullptr);
    assert_int_equal(job->start(&err), TOOLORCH_OK);
  }
  const core::Event *job_done() const {
    for (auto &e : sink.events)
      if (e->type == TOOLORCH_EVENT_JOB_DONE) return e.get();
    return nullptr;
  }
  // Complete every parked call of both tools with "r:<args>".
  void complete_all() {
    for (ParkingTool *t : {&search, &write})
      while (!t->parked.empty()) {
        std::string r = std::string("r:") + test::args(t->parked.front());
        t->complete_one(r.c_str());
      }
  }
};

}  // namespace toolorch::test

// The C++ tool runner core's unit tests register their tools with (core
// knows no C ABI: see core/tool_runner.h), and the few helpers a test tool
// answers its calls with.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/codes.h"
#include "core/tool_runner.h"
#include "loop/worker_pool.h"

namespace toolorch::test {

// What a test tool does with a call it is given.
using TestToolFn = void (*)(core::Call *call, const char *args, void *userdata);

class TestToolRunner final : public core::ToolRunner {
 public:
  // pool: run fn there (a blocking tool); null: on the loop thread.
  TestToolRunner(TestToolFn fn, void *userdata, loop::WorkerPool *pool = nullptr)
      : fn_(fn), ud_(userdata), pool_(pool) {}

  void start(core::Call &call) override {
    core::Call *c = &call;
    if (!pool_) {
      fn_(c, c->args().c_str(), ud_);
      return;
    }
    TestToolFn fn = fn_;
    void *ud = ud_;
    if (!pool_->submit([fn, ud, c] { fn(c, c->args().c_str(), ud); })) core::fail_call(call, "no pool");
  }
  void on_call_ended_without_result(core::Call &call, int reason) override {
    ended_without_result.emplace_back(call.id(), reason);
  }

  // (call id, reason) of each call that ended while this runner had it.
  std::vector<std::pair<std::string, int>> ended_without_result;

 private:
  TestToolFn fn_;
  void *ud_;
  loop::WorkerPool *pool_;
};

inline int complete(core::Call *c, const char *result) { return core::finish_call(*c, result ? result : ""); }
inline int tool_fail(core::Call *c, const char *message) { return core::fail_call(*c, message); }
inline int tool_fail_ex(core::Call *c, const char *message, unsigned flags) { return core::fail_call(*c, message, flags); }
inline bool is_cancelled(const core::Call *c) {
  return c->state() == core::TOOLORCH_CALL_CANCELLED || c->state() == core::TOOLORCH_CALL_TIMED_OUT;
}
inline const char *args(const core::Call *c) { return c->args().c_str(); }
inline const char *call_id(const core::Call *c) { return c->id().c_str(); }
inline int state(const core::Call *c) { return c->state(); }

}  // namespace toolorch::test

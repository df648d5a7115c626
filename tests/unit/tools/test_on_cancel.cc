// toolorch_call_on_cancel: a C tool's cancel function runs once, on the
// loop thread, when its call is cancelled or times out; never when the tool
// finished it; and registering it after the end returns ELATE.
#include <atomic>
#include <mutex>

#include "tools_test_util.h"

using namespace tools_test;

namespace {

struct Probe {
  std::mutex mu;
  std::vector<toolorch_call *> held;  // calls the tool keeps, unfinished
  std::atomic<int> cancel_fired{0};
  std::atomic<int> fired_cancelled_state{0};  // toolorch_call_is_cancelled inside fn
  std::atomic<int> on_cancel_rc{1};
  bool finish_now = false;  // complete at once instead of holding
};

void on_cancel(toolorch_call *call, void *ud) {
  auto *p = static_cast<Probe *>(ud);
  p->cancel_fired.fetch_add(1);
  if (toolorch_call_is_cancelled(call)) p->fired_cancelled_state.fetch_add(1);
}

void tool_fn(toolorch_call *call, const char *, void *ud) {
  auto *p = static_cast<Probe *>(ud);
  p->on_cancel_rc = toolorch_call_on_cancel(call, on_cancel, p);
  if (p->finish_now) {
    toolorch_call_complete(call, "done");
    return;
  }
  std::lock_guard<std::mutex> lk(p->mu);
  p->held.push_back(call);
}

void register_probe(toolorch_ctx *ctx, const char *name, Probe *p, int64_t timeout_ms) {
  toolorch_tool *t = toolorch_tool_new(name);
  assert_int_equal(toolorch_tool_set_fn(t, tool_fn, p), TOOLORCH_OK);
  assert_int_equal(toolorch_tool_set_timeout_ms(t, timeout_ms), TOOLORCH_OK);
  assert_int_equal(toolorch_register_tool(ctx, t), TOOLORCH_OK);
  toolorch_tool_free(t);
}

// After the end: on_cancel says ELATE, a late completion is dropped.
void release_held(Probe *p) {
  std::lock_guard<std::mutex> lk(p->mu);
  for (toolorch_call *c : p->held) {
    assert_int_equal(toolorch_call_on_cancel(c, on_cancel, p), TOOLORCH_ELATE);
    assert_int_equal(toolorch_call_complete(c, "too late"), TOOLORCH_ELATE);
  }
  p->held.clear();
}

void fires_once_on_cancel(void **) {
  Probe p;
  toolorch_ctx *ctx = new_ctx();
  register_probe(ctx, "held", &p, 0);
  toolorch_batch *b = submit_batch(ctx, "held", std::vector<std::string>(3, "{}"));
  assert_true(eventually([&] {
    std::lock_guard<std::mutex> lk(p.mu);
    return p.held.size() == 3;
  }));
  assert_int_equal(p.on_cancel_rc.load(), TOOLORCH_OK);
  assert_int_equal(p.cancel_fired.load(), 0);

  assert_int_equal(toolorch_batch_cancel(b), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_cancel(b), TOOLORCH_OK);  // twice: still once each
  std::vector<Result> r = collect(ctx, b);
  assert_int_equal(r.size(), 3);
  for (const Result &x : r) assert_int_equal(x.state, TOOLORCH_CALL_CANCELLED);
  assert_int_equal(p.cancel_fired.load(), 3);
  assert_int_equal(p.fired_cancelled_state.load(), 3);
  release_held(&p);
  assert_int_equal(p.cancel_fired.load(), 3);
  // Counted on the loop thread, after the completions were posted there.
  assert_true(eventually([&] { return toolorch_stat(ctx, "late_completions") == 3; }));
  toolorch_batch_free(b);
  toolorch_free(ctx);
}

void fires_once_on_timeout(void **) {
  Probe p;
  toolorch_ctx *ctx = new_ctx();
  register_probe(ctx, "held", &p, 100);
  Result r = run_one(ctx, "held", "{}");
  assert_int_equal(r.state, TOOLORCH_CALL_TIMED_OUT);
  assert_int_equal(p.cancel_fired.load(), 1);
  release_held(&p);
  assert_int_equal(p.cancel_fired.load(), 1);
  toolorch_free(ctx);
}

void never_fires_after_the_tool_finished(void **) {
  Probe p;
  p.finish_now = true;
  toolorch_ctx *ctx = new_ctx();
  register_probe(ctx, "quick", &p, 0);
  Result r = run_one(ctx, "quick", "{}");
  assert_int_equal(r.state, TOOLORCH_CALL_SUCCEEDED);
  assert_string_equal(r.text.c_str(), "done");
  assert_int_equal(p.on_cancel_rc.load(), TOOLORCH_OK);
  assert_int_equal(p.cancel_fired.load(), 0);
  toolorch_free(ctx);
}

void null_arguments(void **) {
  assert_int_equal(toolorch_call_on_cancel(nullptr, on_cancel, nullptr), TOOLORCH_EINVAL);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(fires_once_on_cancel),
      cmocka_unit_test(fires_once_on_timeout),
      cmocka_unit_test(never_fires_after_the_tool_finished),
      cmocka_unit_test(null_arguments),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

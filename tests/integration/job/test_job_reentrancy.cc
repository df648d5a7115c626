// The rules of toolorch.h's "Callbacks and re-entrancy" that only a job can
// show, against the scripted LLM server over loopback: a job freed from its
// own JOB_DONE; JOB_DONE delivered inside toolorch_job_cancel on the loop
// thread; a tool cancelling its own job; and, in owned-loop mode, a result
// completed after toolorch_job_cancel returned is ELATE (call.h).
#include <cstring>
#include <string>

#include "job_harness.h"

using toolorch::test::JobHarness;
using toolorch::test::OwnedJob;

namespace {

const char *kOneSlowCall =
    "{\"rounds\": [{\"text\": \"Looking.\", \"tool_calls\": [{\"name\": \"slow\", \"arguments\": {}}]},"
    " {\"text\": \"done\"}]}";
const char *kRequest = "{\"prompt\": \"go\", \"stream\": true}";

struct Host {
  toolorch_job *job = nullptr;
  toolorch_call *parked = nullptr;
  int job_done = 0, events_after_done = 0, cancelled_results = 0;
  int done_status = 1, complete_rc = 1;
  bool free_in_done = false;
};

void on_event(const toolorch_event *ev, void *ud) {
  auto *h = static_cast<Host *>(ud);
  int type = toolorch_event_type_of(ev);
  if (h->job_done) h->events_after_done++;
  if (type == TOOLORCH_EVENT_CALL_RESULT && toolorch_event_call_state(ev) == TOOLORCH_CALL_CANCELLED)
    h->cancelled_results++;
  if (type != TOOLORCH_EVENT_JOB_DONE) return;
  h->job_done++;
  h->done_status = toolorch_event_status(ev);
  if (h->free_in_done) {
    assert_ptr_equal(toolorch_event_job(ev), h->job);
    toolorch_job_free(toolorch_event_job(ev));  // inside its own JOB_DONE
    h->job = nullptr;
    assert_int_equal(toolorch_event_status(ev), h->done_status);  // the event is still valid
  }
}

void parks(toolorch_call *call, const char *, void *ud) { static_cast<Host *>(ud)->parked = call; }

void answers(toolorch_call *call, const char *, void *) { toolorch_call_complete(call, "ok"); }

void cancels_its_own_job(toolorch_call *call, const char *, void *ud) {
  auto *h = static_cast<Host *>(ud);
  assert_int_equal(toolorch_job_cancel(h->job), TOOLORCH_OK);
  h->complete_rc = toolorch_call_complete(call, "after my own cancel");
}

void register_tool(toolorch_ctx *ctx, toolorch_tool_fn fn, void *ud) {
  toolorch_tool *t = toolorch_tool_new("slow");
  toolorch_tool_set_fn(t, fn, ud);
  assert_int_equal(toolorch_register_tool(ctx, t), TOOLORCH_OK);
  toolorch_tool_free(t);
}

// Run the harness's base until pred() holds (10 s guard), then a few more
// passes so that anything wrongly queued after it would show.
template <typename P>
void loop_until(JobHarness &jh, P pred) {
  for (int i = 0; i < 1000 && !pred(); i++) {
    timeval tick{0, 10000};
    event_base_loopexit(jh.base_, &tick);
    event_base_dispatch(jh.base_);
  }
  assert_true(pred());
  for (int i = 0; i < 5; i++) {
    timeval tick{0, 10000};
    event_base_loopexit(jh.base_, &tick);
    event_base_dispatch(jh.base_);
  }
}

toolorch_job *start(JobHarness &jh, Host *h) {
  int status = 0;
  toolorch_job *job = toolorch_job_start(jh.ctx(), kRequest, h, &status);
  if (!job) fail_msg("toolorch_job_start: %s", toolorch_last_error(jh.ctx()));
  return job;
}

void job_freed_from_its_own_job_done(void **) {
  for (const char *protocol : {"openai", "anthropic"}) {
    JobHarness jh(kOneSlowCall, protocol);
    Host h;
    h.free_in_done = true;
    register_tool(jh.ctx(), answers, &h);
    toolorch_set_event_fn(jh.ctx(), on_event, &h);
    h.job = start(jh, &h);
    loop_until(jh, [&] { return h.job_done > 0; });
    assert_int_equal(h.done_status, TOOLORCH_OK);
    assert_int_equal(h.job_done, 1);
    assert_int_equal(h.events_after_done, 0);
    assert_null(h.job);
  }
}

void job_done_is_delivered_inside_job_cancel(void **) {
  JobHarness jh(kOneSlowCall, "openai");
  Host h;
  register_tool(jh.ctx(), parks, &h);
  toolorch_set_event_fn(jh.ctx(), on_event, &h);
  h.job = start(jh, &h);
  loop_until(jh, [&] { return h.parked != nullptr; });
  assert_int_equal(h.job_done, 0);
  // On the loop thread (this one), outside any callback.
  assert_int_equal(toolorch_job_cancel(h.job), TOOLORCH_OK);
  assert_int_equal(h.job_done, 1);  // before toolorch_job_cancel returned
  assert_int_equal(h.done_status, TOOLORCH_ECANCELLED);
  assert_int_equal(h.cancelled_results, 1);
  assert_int_equal(toolorch_call_complete(h.parked, "late"), TOOLORCH_ELATE);
  toolorch_job_free(h.job);
}

void tool_cancels_its_own_job(void **) {
  JobHarness jh(kOneSlowCall, "anthropic");
  Host h;
  register_tool(jh.ctx(), cancels_its_own_job, &h);
  toolorch_set_event_fn(jh.ctx(), on_event, &h);
  h.job = start(jh, &h);
  loop_until(jh, [&] { return h.job_done > 0; });
  assert_int_equal(h.job_done, 1);
  assert_int_equal(h.done_status, TOOLORCH_ECANCELLED);
  assert_int_equal(h.complete_rc, TOOLORCH_ELATE);
  assert_int_equal(h.cancelled_results, 1);
  assert_int_equal(h.events_after_done, 0);
  toolorch_job_free(h.job);
}

// Owned-loop mode, the tool external (TOOL_CALL through the queue): the test
// thread cancels the job, then completes the call it holds.
void owned_cancel_then_complete_is_late(void **) {
  OwnedJob oj(kOneSlowCall, "slow");
  toolorch_ctx *ctx = oj.ctx();
  int status = 0;
  toolorch_job *job = toolorch_job_start(ctx, kRequest, nullptr, &status);
  assert_non_null(job);
  toolorch_call *call = nullptr;
  while (!call) {
    toolorch_event *ev = oj.next_event();
    if (toolorch_event_type_of(ev) == TOOLORCH_EVENT_TOOL_CALL) call = toolorch_event_call(ev);
    toolorch_event_free(ev);
  }
  assert_int_equal(toolorch_job_cancel(job), TOOLORCH_OK);
  assert_int_equal(toolorch_call_get_state(call), TOOLORCH_CALL_CANCELLED);
  assert_int_equal(toolorch_call_complete(call, "after the cancel"), TOOLORCH_ELATE);
  int done = TOOLORCH_OK - 1000;
  while (done == TOOLORCH_OK - 1000) {
    toolorch_event *ev = oj.next_event();
    if (toolorch_event_type_of(ev) == TOOLORCH_EVENT_JOB_DONE) done = toolorch_event_status(ev);
    toolorch_event_free(ev);
  }
  assert_int_equal(done, TOOLORCH_ECANCELLED);
  toolorch_job_free(job);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(job_freed_from_its_own_job_done),
      cmocka_unit_test(job_done_is_delivered_inside_job_cancel),
      cmocka_unit_test(tool_cancels_its_own_job),
      cmocka_unit_test(owned_cancel_then_complete_is_late),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

// Cancelling one call of a job by the model's id (toolorch_job_cancel_call),
// owned-loop mode against the scripted LLM server over loopback: the call
// ends cancelled, its tool is told, the model gets an error result for it
// and the job goes on to its answer.
#include <cstring>
#include <string>

#include <toolorch/toolorch.h>

#include "job_harness.h"

namespace {

const char *kTwoCalls =
    "{\"rounds\": [{\"text\": \"Looking.\", \"tool_calls\": [{\"name\": \"slow\", \"arguments\": {\"n\": 1}},"
    " {\"name\": \"slow\", \"arguments\": {\"n\": 2}}]}, {\"text\": \"done\"}]}";

void one_call_cancelled_the_job_goes_on(void **) {
  toolorch::test::OwnedJob oj(kTwoCalls, "slow");
  toolorch_ctx *ctx = oj.ctx();
  int status = 0;
  toolorch_job *job = toolorch_job_start(ctx, "{\"prompt\": \"go\"}", nullptr, &status);
  assert_non_null(job);

  toolorch_call *calls[2] = {nullptr, nullptr};
  std::string ids[2];
  int n = 0;
  while (n < 2) {
    toolorch_event *ev = oj.next_event();
    if (toolorch_event_type_of(ev) == TOOLORCH_EVENT_TOOL_CALL) {
      int i = std::strstr(toolorch_event_json(ev), "1") ? 0 : 1;
      calls[i] = toolorch_event_call(ev);
      ids[i] = toolorch_event_call_id(ev);
      n++;
    }
    toolorch_event_free(ev);
  }
  assert_int_equal(toolorch_job_cancel_call(job, ids[0].c_str()), TOOLORCH_OK);
  // Owned mode: it has ended on return.
  assert_int_equal(toolorch_call_get_state(calls[0]), TOOLORCH_CALL_CANCELLED);
  assert_int_equal(toolorch_call_complete(calls[0], "late"), TOOLORCH_ELATE);
  assert_int_equal(toolorch_job_cancel_call(job, ids[0].c_str()), TOOLORCH_ELATE);
  assert_int_equal(toolorch_job_cancel_call(job, "no-such-call"), TOOLORCH_EINVAL);
  assert_non_null(std::strstr(toolorch_last_error(ctx), "no call \"no-such-call\""));
  assert_int_equal(toolorch_call_complete(calls[1], "two"), TOOLORCH_OK);

  bool told = false, cancelled_result = false;
  int done = 1;
  std::string answer, transcript;
  while (done == 1) {
    toolorch_event *ev = oj.next_event();
    switch (toolorch_event_type_of(ev)) {
      case TOOLORCH_EVENT_TOOL_CANCELLED:
        told = told || toolorch_event_call(ev) == calls[0];
        break;
      case TOOLORCH_EVENT_CALL_RESULT:
        if (ids[0] == toolorch_event_call_id(ev))
          cancelled_result = toolorch_event_call_state(ev) == TOOLORCH_CALL_CANCELLED;
        break;
      case TOOLORCH_EVENT_JOB_DONE:
        done = toolorch_event_status(ev);
        answer = toolorch_event_text(ev);
        transcript = toolorch_event_json(ev);
        break;
      default: break;
    }
    toolorch_event_free(ev);
  }
  assert_true(told);
  assert_true(cancelled_result);
  assert_int_equal(done, TOOLORCH_OK);
  assert_string_equal(answer.c_str(), "done");
  // The model saw an error for the cancelled call and the other's result.
  assert_non_null(std::strstr(transcript.c_str(), "Error: cancelled"));
  assert_non_null(std::strstr(transcript.c_str(), "two"));
  // A call of an earlier round is no longer the job's to cancel.
  assert_int_equal(toolorch_job_cancel_call(job, ids[1].c_str()), TOOLORCH_EINVAL);
  toolorch_job_free(job);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(one_call_cancelled_the_job_goes_on),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

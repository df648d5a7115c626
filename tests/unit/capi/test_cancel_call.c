/* Cancelling one call of a batch by its id (toolorch_batch_cancel_call):
 * that call ends cancelled, its tool is told, the batch goes on. Owned-loop
 * mode, external tools completed by the test's thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <toolorch/toolorch.h>

#include "capi_fixture.h"

static toolorch_ctx *new_ctx(void) {
  toolorch_ctx *ctx = fixture_ctx(0, 0);
  fixture_external_tool(ctx, "ext");
  return ctx;
}

static void one_call_of_a_running_batch(void **state) {
  (void)state;
  toolorch_ctx *ctx = new_ctx();
  toolorch_batch *b = toolorch_batch_new(ctx, NULL);
  const char *ids[3] = {"a", "b", "c"};
  for (int i = 0; i < 3; ++i) assert_int_equal(toolorch_batch_add(b, "ext", "{}", ids[i]), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_submit(b), TOOLORCH_OK);
  toolorch_call *calls[3];
  for (int i = 0; i < 3; ++i) {
    toolorch_event *ev = fixture_next_of(ctx, TOOLORCH_EVENT_TOOL_CALL);
    calls[toolorch_event_call_id(ev)[0] - 'a'] = toolorch_event_call(ev);
    toolorch_event_free(ev);
  }
  /* Owned mode: the call has ended when it returns. */
  assert_int_equal(toolorch_batch_cancel_call(b, "b"), TOOLORCH_OK);
  assert_int_equal(toolorch_call_get_state(calls[1]), TOOLORCH_CALL_CANCELLED);
  toolorch_event *ev = fixture_next_of(ctx, TOOLORCH_EVENT_TOOL_CANCELLED);
  assert_ptr_equal(toolorch_event_call(ev), calls[1]);
  toolorch_event_free(ev);
  ev = fixture_next_of(ctx, TOOLORCH_EVENT_CALL_RESULT);
  assert_string_equal(toolorch_event_call_id(ev), "b");
  assert_int_equal(toolorch_event_call_state(ev), TOOLORCH_CALL_CANCELLED);
  assert_int_equal(toolorch_event_status(ev), TOOLORCH_ECANCELLED);
  toolorch_event_free(ev);
  assert_int_equal(toolorch_call_complete(calls[1], "late"), TOOLORCH_ELATE);
  assert_int_equal(toolorch_batch_cancel_call(b, "b"), TOOLORCH_ELATE);
  assert_int_equal(toolorch_batch_cancel_call(b, "zz"), TOOLORCH_EINVAL);
  assert_non_null(strstr(toolorch_last_error(ctx), "no call \"zz\" in this batch"));
  assert_int_equal(toolorch_batch_ended(b), 1);

  /* The others go on. */
  assert_int_equal(toolorch_call_complete(calls[0], "ra"), TOOLORCH_OK);
  assert_int_equal(toolorch_call_complete(calls[2], "rc"), TOOLORCH_OK);
  int ok = 0;
  for (;;) {
    assert_int_equal(toolorch_next_event(ctx, 30000, &ev), TOOLORCH_OK);
    int type = toolorch_event_type_of(ev);
    if (type == TOOLORCH_EVENT_CALL_RESULT) {
      assert_int_equal(toolorch_event_call_state(ev), TOOLORCH_CALL_SUCCEEDED);
      ok++;
    }
    toolorch_event_free(ev);
    if (type == TOOLORCH_EVENT_BATCH_DONE) break;
  }
  assert_int_equal(ok, 2);
  assert_int_equal(toolorch_batch_cancel_call(b, "a"), TOOLORCH_ELATE);
  toolorch_batch_free(b);
  toolorch_free(ctx);
}

static void a_call_cancelled_before_submit(void **state) {
  (void)state;
  toolorch_ctx *ctx = new_ctx();
  toolorch_batch *b = toolorch_batch_new(ctx, NULL);
  assert_int_equal(toolorch_batch_add(b, "ext", "{}", "x"), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_add(b, "ext", "{}", "y"), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_cancel_call(b, "x"), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_submit(b), TOOLORCH_OK);
  /* x never reaches its tool; y does. */
  toolorch_event *ev = fixture_next_of(ctx, TOOLORCH_EVENT_CALL_RESULT);
  assert_string_equal(toolorch_event_call_id(ev), "x");
  assert_int_equal(toolorch_event_call_state(ev), TOOLORCH_CALL_CANCELLED);
  toolorch_event_free(ev);
  ev = fixture_next_of(ctx, TOOLORCH_EVENT_TOOL_CALL);
  assert_string_equal(toolorch_event_call_id(ev), "y");
  assert_int_equal(toolorch_call_complete(toolorch_event_call(ev), "ry"), TOOLORCH_OK);
  toolorch_event_free(ev);
  ev = fixture_next_of(ctx, TOOLORCH_EVENT_BATCH_DONE);
  toolorch_event_free(ev);
  toolorch_batch_free(b);

  assert_int_equal(toolorch_batch_cancel_call(NULL, "x"), TOOLORCH_EINVAL);
  b = toolorch_batch_new(ctx, NULL);
  assert_int_equal(toolorch_batch_cancel_call(b, NULL), TOOLORCH_EINVAL);
  toolorch_batch_free(b);
  assert_int_equal(toolorch_job_cancel_call(NULL, "x"), TOOLORCH_EINVAL);
  toolorch_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(one_call_of_a_running_batch),
      cmocka_unit_test(a_call_cancelled_before_submit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The host does surprising things from inside callbacks or in an odd
 * order: free a batch from its own event while it is still submitting,
 * cancel a batch before submitting it, add calls after submitting. Each
 * ends every call exactly once and touches nothing freed (run under ASan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include <toolorch/toolorch.h>

static void never_completes(toolorch_call *call, const char *args, void *ud) {
  (void)call;
  (void)args;
  (void)ud;
}

static toolorch_ctx *new_ctx(void) {
  toolorch_opts *o = toolorch_opts_new();
  toolorch_opts_set_int(o, "tool_timeout_ms", 100);
  toolorch_ctx *ctx = toolorch_new(o, NULL);
  toolorch_opts_free(o);
  toolorch_tool *t = toolorch_tool_new("slow");
  toolorch_tool_set_fn(t, never_completes, NULL);
  assert_int_equal(toolorch_register_tool(ctx, t), TOOLORCH_OK);
  toolorch_tool_free(t);
  return ctx;
}

struct freeing_host {
  toolorch_batch *batch; /* set before submit, then only the loop thread touches it */
  atomic_int results;    /* written on the loop thread, read by the test's */
};

/* Counts every CALL_RESULT, also those after the free: a freed batch's
 * other calls must end silently, so anything past the first is a defect. */
static void free_on_first_result(const toolorch_event *ev, void *ud) {
  struct freeing_host *h = ud;
  if (toolorch_event_type_of(ev) != TOOLORCH_EVENT_CALL_RESULT)
    return;
  atomic_fetch_add(&h->results, 1);
  if (h->batch) {
    toolorch_batch_free(h->batch); /* inside the batch's own submit */
    h->batch = NULL;
  }
}

static void free_batch_inside_its_own_event(void **state) {
  (void)state;
  toolorch_ctx *ctx = new_ctx();
  struct freeing_host h = {NULL, 0};
  atomic_init(&h.results, 0);
  assert_int_equal(toolorch_set_event_fn(ctx, free_on_first_result, &h), TOOLORCH_OK);
  h.batch = toolorch_batch_new(ctx, NULL);
  toolorch_batch_add(h.batch, "nosuch", "{}", NULL); /* ends at once, during submit */
  toolorch_batch_add(h.batch, "slow", "{}", NULL);
  toolorch_batch_add(h.batch, "slow", "{}", NULL);
  assert_int_equal(toolorch_batch_submit(h.batch), TOOLORCH_OK);
  usleep(300 * 1000); /* past the slow calls' deadline, had they started */
  assert_int_equal(atomic_load(&h.results), 1);
  assert_int_equal(toolorch_stat(ctx, "calls_submitted"), 1); /* the rest never started */
  assert_int_equal(toolorch_stat(ctx, "running"), 0);
  toolorch_free(ctx);
}

static void cancel_before_submit(void **state) {
  (void)state;
  toolorch_ctx *ctx = new_ctx();
  toolorch_batch *b = toolorch_batch_new(ctx, NULL);
  toolorch_batch_add(b, "slow", "{}", "a");
  toolorch_batch_add(b, "slow", "{}", "b");
  assert_int_equal(toolorch_batch_cancel(b), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_submit(b), TOOLORCH_OK);
  int cancelled = 0, done = 0;
  while (!done) {
    toolorch_event *ev = NULL;
    assert_int_equal(toolorch_next_event(ctx, 5000, &ev), TOOLORCH_OK);
    if (toolorch_event_type_of(ev) == TOOLORCH_EVENT_CALL_RESULT) {
      assert_int_equal(toolorch_event_call_state(ev), TOOLORCH_CALL_CANCELLED);
      cancelled++;
    }
    done = toolorch_event_type_of(ev) == TOOLORCH_EVENT_BATCH_DONE;
    toolorch_event_free(ev);
  }
  assert_int_equal(cancelled, 2);
  assert_int_equal(toolorch_stat(ctx, "calls_started"), 0);
  assert_int_equal(toolorch_stat(ctx, "calls_cancelled"), 2);
  assert_int_equal(toolorch_stat(ctx, "calls_succeeded"), 0);
  toolorch_batch_free(b);
  toolorch_free(ctx);
}

static void add_after_submit_is_refused(void **state) {
  (void)state;
  toolorch_ctx *ctx = new_ctx();
  toolorch_batch *b = toolorch_batch_new(ctx, NULL);
  toolorch_batch_add(b, "nosuch", "{}", NULL);
  toolorch_batch_submit(b);
  assert_int_equal(toolorch_batch_add(b, "slow", "{}", NULL), TOOLORCH_ESTATE);
  assert_non_null(strstr(toolorch_last_error(ctx), "submitted already"));
  toolorch_batch_free(b);
  toolorch_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(free_batch_inside_its_own_event),
      cmocka_unit_test(cancel_before_submit),
      cmocka_unit_test(add_after_submit_is_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

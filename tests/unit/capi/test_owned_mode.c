/* Owned-loop mode: the library's own thread, events through the queue and
 * its fd (poll), tools completed from the consumer's thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <toolorch/toolorch.h>

#include "capi_fixture.h"

static void register_external(toolorch_ctx *ctx, const char *name, int cap) {
  toolorch_tool *t = toolorch_tool_new(name);
  assert_int_equal(toolorch_tool_set_schema(t, "{\"type\":\"object\",\"required\":[\"i\"]}"), TOOLORCH_OK);
  assert_int_equal(toolorch_tool_set_max_parallel(t, cap), TOOLORCH_OK);
  assert_int_equal(toolorch_register_tool(ctx, t), TOOLORCH_OK);
  toolorch_tool_free(t);
}

/* Consume events with poll() on the fd, completing tool calls in batches
 * so several are running at once. */
static void external_tools_through_the_queue(void **state) {
  (void)state;
  toolorch_ctx *ctx = fixture_ctx(50, 60000);
  register_external(ctx, "ext", 20);
  int fd = toolorch_event_fd(ctx);
  assert_true(fd >= 0);
  toolorch_event *ev = NULL;
  assert_int_equal(toolorch_next_event(ctx, 0, &ev), TOOLORCH_EAGAIN);

  int tag = 42;
  toolorch_batch *b = toolorch_batch_new(ctx, &tag);
  char args[32];
  for (int i = 0; i < 200; ++i) {
    snprintf(args, sizeof args, "{\"i\":%d}", i);
    assert_int_equal(toolorch_batch_add(b, "ext", args, NULL), TOOLORCH_OK);
  }
  assert_int_equal(toolorch_batch_add(b, "ext", "{}", "bad"), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_size(b), 201);
  assert_int_equal(toolorch_batch_submit(b), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_submit(b), TOOLORCH_ESTATE);

  toolorch_call *pending[256];
  int npending = 0, results = 0, done = 0, succeeded = 0, schema_failures = 0;
  while (!done) {
    struct pollfd p = {fd, POLLIN, 0};
    assert_true(poll(&p, 1, 10000) == 1);
    while (toolorch_next_event(ctx, 0, &ev) == TOOLORCH_OK) {
      assert_ptr_equal(toolorch_event_userdata(ev), &tag);
      switch (toolorch_event_type_of(ev)) {
        case TOOLORCH_EVENT_TOOL_CALL:
          assert_ptr_equal(toolorch_event_batch(ev), b);
          pending[npending++] = toolorch_event_call(ev);
          break;
        case TOOLORCH_EVENT_CALL_RESULT:
          results++;
          if (toolorch_event_call_state(ev) == TOOLORCH_CALL_SUCCEEDED) {
            succeeded++;
            assert_string_equal(toolorch_event_text(ev), "r");
          } else if (toolorch_event_status(ev) == TOOLORCH_ESCHEMA) {
            schema_failures++;
            assert_string_equal(toolorch_event_call_id(ev), "bad");
          }
          break;
        case TOOLORCH_EVENT_BATCH_DONE:
          done = 1;
          break;
        default:
          fail_msg("unexpected event %s", toolorch_event_type_name(toolorch_event_type_of(ev)));
      }
      toolorch_event_free(ev);
    }
    /* The per-tool cap (20) binds before the global one (50). */
    assert_true(npending <= 20);
    for (int i = 0; i < npending; ++i) assert_int_equal(toolorch_call_complete(pending[i], "r"), TOOLORCH_OK);
    npending = 0;
  }
  assert_int_equal(results, 201);
  assert_int_equal(succeeded, 200);
  assert_int_equal(schema_failures, 1);
  assert_int_equal(toolorch_batch_ended(b), 201);
  assert_int_equal(toolorch_stat(ctx, "max_running"), 20);
  assert_int_equal(toolorch_stat(ctx, "calls_succeeded"), 200);
  assert_int_equal(toolorch_stat(ctx, "no_such_counter"), -1);
  toolorch_batch_free(b);
  toolorch_free(ctx);
}

/* An external tool hears, through TOOL_CANCELLED, of each call it was handed
 * that ended without its result: cancelled alone, timed out, or with its
 * batch; never of one it completed. */
static void tool_cancelled_reaches_the_external_tool(void **state) {
  (void)state;
  toolorch_ctx *ctx = fixture_ctx(10, 60000);
  toolorch_tool *t = toolorch_tool_new("ext");
  assert_int_equal(toolorch_tool_set_timeout_ms(t, 200), TOOLORCH_OK);
  assert_int_equal(toolorch_register_tool(ctx, t), TOOLORCH_OK);
  toolorch_tool_free(t);

  toolorch_batch *b = toolorch_batch_new(ctx, NULL);
  assert_int_equal(toolorch_batch_add(b, "ext", "{}", "done"), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_add(b, "ext", "{}", "cut"), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_add(b, "ext", "{}", "slow"), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_submit(b), TOOLORCH_OK);
  toolorch_call *calls[3] = {NULL, NULL, NULL};
  for (int i = 0; i < 3; ++i) {
    toolorch_event *ev = fixture_next_of(ctx, TOOLORCH_EVENT_TOOL_CALL);
    toolorch_call *c = toolorch_event_call(ev);
    const char *id = toolorch_event_call_id(ev);
    calls[strcmp(id, "done") == 0 ? 0 : strcmp(id, "cut") == 0 ? 1 : 2] = c;
    toolorch_event_free(ev);
  }
  assert_int_equal(toolorch_call_complete(calls[0], "r"), TOOLORCH_OK);
  assert_int_equal(toolorch_call_cancel(calls[1]), TOOLORCH_OK);
  toolorch_event *ev = fixture_next_of(ctx, TOOLORCH_EVENT_TOOL_CANCELLED);
  assert_ptr_equal(toolorch_event_call(ev), calls[1]);
  assert_string_equal(toolorch_event_call_id(ev), "cut");
  assert_string_equal(toolorch_event_type_name(TOOLORCH_EVENT_TOOL_CANCELLED), "tool_cancelled");
  assert_int_equal(toolorch_event_status(ev), TOOLORCH_ECANCELLED);
  assert_int_equal(toolorch_event_call_state(ev), TOOLORCH_CALL_CANCELLED);
  toolorch_event_free(ev);
  /* "slow" reaches its deadline: the tool hears of it, and its answer is late. */
  ev = fixture_next_of(ctx, TOOLORCH_EVENT_TOOL_CANCELLED);
  assert_ptr_equal(toolorch_event_call(ev), calls[2]);
  assert_int_equal(toolorch_event_status(ev), TOOLORCH_ETIMEDOUT);
  assert_int_equal(toolorch_event_call_state(ev), TOOLORCH_CALL_TIMED_OUT);
  assert_non_null(strstr(toolorch_event_text(ev), "timed out"));
  toolorch_event_free(ev);
  assert_int_equal(toolorch_call_complete(calls[2], "too late"), TOOLORCH_ELATE);
  ev = fixture_next_of(ctx, TOOLORCH_EVENT_BATCH_DONE);
  toolorch_event_free(ev);
  toolorch_batch_free(b);

  /* Cancelling the batch reaches the call its tool still has. */
  b = toolorch_batch_new(ctx, NULL);
  assert_int_equal(toolorch_batch_add(b, "ext", "{}", "x"), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_submit(b), TOOLORCH_OK);
  ev = fixture_next_of(ctx, TOOLORCH_EVENT_TOOL_CALL);
  toolorch_call *x = toolorch_event_call(ev);
  toolorch_event_free(ev);
  assert_int_equal(toolorch_batch_cancel(b), TOOLORCH_OK);
  ev = fixture_next_of(ctx, TOOLORCH_EVENT_TOOL_CANCELLED);
  assert_ptr_equal(toolorch_event_call(ev), x);
  assert_ptr_equal(toolorch_event_batch(ev), b);
  toolorch_event_free(ev);
  /* Nothing more is said of calls completed before: the batch ends next. */
  ev = NULL;
  for (;;) {
    assert_int_equal(toolorch_next_event(ctx, 30000, &ev), TOOLORCH_OK);
    int type = toolorch_event_type_of(ev);
    toolorch_event_free(ev);
    assert_int_not_equal(type, TOOLORCH_EVENT_TOOL_CANCELLED);
    if (type == TOOLORCH_EVENT_BATCH_DONE) break;
  }
  toolorch_batch_free(b);
  toolorch_free(ctx);
}

static void *complete_later(void *arg) {
  toolorch_call *call = arg;
  char out[64];
  snprintf(out, sizeof out, "echo %s", toolorch_call_args(call));
  toolorch_call_complete(call, out);
  return NULL;
}

static void threaded_tool(toolorch_call *call, const char *args, void *ud) {
  (void)args;
  (void)ud;
  pthread_t t;
  pthread_create(&t, NULL, complete_later, call);
  pthread_detach(t);
}

static void callbacks_complete_from_other_threads(void **state) {
  (void)state;
  toolorch_ctx *ctx = fixture_ctx(8, 60000);
  toolorch_tool *t = toolorch_tool_new("echo");
  toolorch_tool_set_fn(t, threaded_tool, NULL);
  assert_int_equal(toolorch_register_tool(ctx, t), TOOLORCH_OK);
  toolorch_tool_free(t);
  toolorch_batch *b = toolorch_batch_new(ctx, NULL);
  for (int i = 0; i < 100; ++i) toolorch_batch_add(b, "echo", "{\"x\":1}", NULL);
  toolorch_batch_submit(b);
  int results = 0;
  for (;;) {
    toolorch_event *ev = NULL;
    assert_int_equal(toolorch_next_event(ctx, 10000, &ev), TOOLORCH_OK);
    int type = toolorch_event_type_of(ev);
    if (type == TOOLORCH_EVENT_CALL_RESULT) {
      results++;
      assert_string_equal(toolorch_event_text(ev), "echo {\"x\":1}");
    }
    toolorch_event_free(ev);
    if (type == TOOLORCH_EVENT_BATCH_DONE) break;
  }
  assert_int_equal(results, 100);
  assert_true(toolorch_stat(ctx, "max_running") <= 8);
  toolorch_batch_free(b);
  toolorch_free(ctx);
}

static void *wait_for_event(void *arg) {
  toolorch_event *ev = NULL;
  return (void *)(intptr_t)toolorch_next_event(arg, -1, &ev);
}

static void close_wakes_a_blocked_consumer(void **state) {
  (void)state;
  toolorch_ctx *ctx = fixture_ctx(4, 60000);
  register_external(ctx, "ext", 0);
  toolorch_batch *b = toolorch_batch_new(ctx, NULL);
  toolorch_batch_add(b, "ext", "{\"i\":1}", NULL);
  toolorch_batch_submit(b);
  toolorch_event *ev = NULL;
  assert_int_equal(toolorch_next_event(ctx, 10000, &ev), TOOLORCH_OK);
  toolorch_call *held = toolorch_event_call(ev);
  toolorch_event_free(ev); /* the call stays valid while its batch lives */
  pthread_t t;
  pthread_create(&t, NULL, wait_for_event, ctx);
  assert_int_equal(toolorch_close(ctx), TOOLORCH_OK);
  void *rc;
  pthread_join(t, &rc);
  assert_int_equal((int)(intptr_t)rc, TOOLORCH_ECLOSED);
  assert_true(toolorch_call_is_cancelled(held));
  assert_int_equal(toolorch_call_complete(held, "late"), TOOLORCH_ELATE);
  assert_null(toolorch_batch_new(ctx, NULL));
  toolorch_batch_free(b);
  toolorch_free(ctx);
}

/* toolorch_job_check: the request's problems, as toolorch_job_start would
 * name them, without starting a job (nothing is sent: port 1 is closed). */
static void job_check_starts_nothing(void **state) {
  (void)state;
  toolorch_opts *o = toolorch_opts_new();
  assert_int_equal(toolorch_opts_from_json(o, "{\"llm\": {\"protocol\": \"openai\", \"model\": \"m\", "
                                              "\"base_url\": \"http://127.0.0.1:1\", \"api_key\": \"k\"}}"),
                   TOOLORCH_OK);
  toolorch_ctx *ctx = toolorch_new(o, NULL);
  toolorch_opts_free(o);
  assert_non_null(ctx);
  register_external(ctx, "ext", 0);
  assert_int_equal(toolorch_job_check(ctx, "{\"prompt\": \"hi\", \"tools\": [\"ext\"]}"), TOOLORCH_OK);
  assert_int_not_equal(toolorch_job_check(ctx, "{\"prompt\": \"hi\", \"max_round\": 2}"), TOOLORCH_OK);
  assert_non_null(strstr(toolorch_last_error(ctx), "max_round"));
  assert_int_equal(toolorch_job_check(ctx, "{\"prompt\": \"hi\", \"tools\": [\"nope\"]}"), TOOLORCH_EUNKNOWN_TOOL);
  assert_non_null(strstr(toolorch_last_error(ctx), "nope"));
  assert_int_equal(toolorch_job_check(NULL, "{}"), TOOLORCH_EINVAL);
  toolorch_event *ev = NULL;
  assert_int_equal(toolorch_next_event(ctx, 0, &ev), TOOLORCH_EAGAIN);  /* no job: no event */
  assert_string_equal(toolorch_event_type_name(TOOLORCH_EVENT_LLM_REQUEST), "llm_request");
  assert_string_equal(toolorch_event_type_name(TOOLORCH_EVENT_LLM_RESPONSE), "llm_response");
  assert_string_equal(toolorch_event_type_name(TOOLORCH_EVENT_LLM_RETRY), "llm_retry");
  assert_string_equal(toolorch_event_type_name(TOOLORCH_EVENT_RATE_LIMIT_WAIT), "rate_limit_wait");
  assert_int_equal(toolorch_event_max_attempts(NULL), 0);
  assert_int_equal(toolorch_event_http_status(NULL), 0);
  toolorch_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(external_tools_through_the_queue),
      cmocka_unit_test(callbacks_complete_from_other_threads),
      cmocka_unit_test(close_wakes_a_blocked_consumer),
      cmocka_unit_test(tool_cancelled_reaches_the_external_tool),
      cmocka_unit_test(job_check_starts_nothing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

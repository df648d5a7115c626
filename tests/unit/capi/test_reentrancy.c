/* The host does surprising things from inside callbacks or in an odd
 * order: free a batch from its own event while it is still submitting,
 * cancel a batch before submitting it, add calls after submitting. Each
 * ends every call exactly once and touches nothing freed (run under ASan).
 * And one test per rule of toolorch.h's "Callbacks and re-entrancy" that
 * batches can show (the job's rules: tests/integration/job). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <toolorch/toolorch.h>
#include <toolorch/toolorch_libevent.h>

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


static void completes_at_once(toolorch_call *call, const char *args, void *ud) {
  (void)ud;
  toolorch_call_complete(call, args);
}

static void register_fn(toolorch_ctx *ctx, const char *name, toolorch_tool_fn fn, void *ud) {
  toolorch_tool *t = toolorch_tool_new(name);
  toolorch_tool_set_fn(t, fn, ud);
  assert_int_equal(toolorch_register_tool(ctx, t), TOOLORCH_OK);
  toolorch_tool_free(t);
}

/* A borrowed-loop context on a base of the test's own: every callback comes
 * on this thread, inside event_base_loop or inside the test's own calls. */
struct borrowed {
  struct event_base *base;
  toolorch_ctx *ctx;
};

static struct borrowed borrowed_new(void) {
  struct borrowed b;
  b.base = event_base_new();
  toolorch_opts *o = toolorch_opts_new();
  toolorch_opts_set_int(o, "tool_timeout_ms", 5000);
  int status = 0;
  b.ctx = toolorch_new_with_base(b.base, o, &status);
  toolorch_opts_free(o);
  assert_non_null(b.ctx);
  return b;
}

static void borrowed_free(struct borrowed *b) {
  toolorch_free(b->ctx);
  event_base_free(b->base);
}

/* Run the base until *flag is set (5 s guard). */
static void loop_until(struct event_base *base, const int *flag) {
  for (int i = 0; i < 500 && !*flag; i++) {
    struct timeval tick = {0, 10000};
    event_base_loopexit(base, &tick);
    event_base_dispatch(base);
  }
}

/* Rule: an event callback may free its own batch from BATCH_DONE, and start
 * the next batch from there. */
struct chaining_host {
  toolorch_ctx *ctx;
  int batch_done, results, second_done;
  toolorch_batch *second;
};

static void free_and_chain(const toolorch_event *ev, void *ud) {
  struct chaining_host *h = ud;
  int type = toolorch_event_type_of(ev);
  if (type == TOOLORCH_EVENT_CALL_RESULT) h->results++;
  if (type != TOOLORCH_EVENT_BATCH_DONE) return;
  h->batch_done++;
  toolorch_batch *b = toolorch_event_batch(ev);
  if (b == h->second) {
    h->second_done = 1;
    toolorch_batch_free(b);
    return;
  }
  toolorch_batch_free(b); /* inside its own BATCH_DONE */
  assert_int_equal(toolorch_event_type_of(ev), TOOLORCH_EVENT_BATCH_DONE); /* the event is still valid */
  h->second = toolorch_batch_new(h->ctx, NULL);
  toolorch_batch_add(h->second, "echo", "{\"n\":2}", NULL);
  assert_int_equal(toolorch_batch_submit(h->second), TOOLORCH_OK);
}

static void batch_done_frees_its_batch_and_starts_the_next(void **state) {
  (void)state;
  struct borrowed b = borrowed_new();
  register_fn(b.ctx, "echo", completes_at_once, NULL);
  struct chaining_host h = {b.ctx, 0, 0, 0, NULL};
  toolorch_set_event_fn(b.ctx, free_and_chain, &h);
  toolorch_batch *first = toolorch_batch_new(b.ctx, NULL);
  toolorch_batch_add(first, "echo", "{\"n\":1}", NULL);
  toolorch_batch_add(first, "echo", "{\"n\":1}", NULL);
  assert_int_equal(toolorch_batch_submit(first), TOOLORCH_OK);
  loop_until(b.base, &h.second_done);
  assert_int_equal(h.second_done, 1);
  assert_int_equal(h.batch_done, 2);
  assert_int_equal(h.results, 3);
  borrowed_free(&b);
}

/* Rule: toolorch_free is refused inside any callback (event callback, tool
 * function), in both modes; the context goes on working and is freed later. */
struct freeing_in_callback {
  toolorch_ctx *ctx;
  int refused_in_event, refused_in_tool, done;
};

static void tool_tries_to_free(toolorch_call *call, const char *args, void *ud) {
  struct freeing_in_callback *h = ud;
  toolorch_free(h->ctx);
  /* Atomics: in owned mode the test's thread reads these. */
  if (strstr(toolorch_last_error(h->ctx), "called from a callback")) __atomic_fetch_add(&h->refused_in_tool, 1, __ATOMIC_RELEASE);
  toolorch_call_complete(call, args);
}

static void event_tries_to_free(const toolorch_event *ev, void *ud) {
  struct freeing_in_callback *h = ud;
  if (toolorch_event_type_of(ev) != TOOLORCH_EVENT_BATCH_DONE) return;
  toolorch_free(h->ctx);
  if (strstr(toolorch_last_error(h->ctx), "called from a callback")) __atomic_fetch_add(&h->refused_in_event, 1, __ATOMIC_RELEASE);
  toolorch_batch_free(toolorch_event_batch(ev));
  __atomic_store_n(&h->done, 1, __ATOMIC_RELEASE);
}

static void run_one_batch(toolorch_ctx *ctx) {
  toolorch_batch *bt = toolorch_batch_new(ctx, NULL);
  toolorch_batch_add(bt, "freer", "{}", NULL);
  assert_int_equal(toolorch_batch_submit(bt), TOOLORCH_OK);
}

static void free_is_refused_inside_callbacks_borrowed(void **state) {
  (void)state;
  struct borrowed b = borrowed_new();
  struct freeing_in_callback h = {b.ctx, 0, 0, 0};
  register_fn(b.ctx, "freer", tool_tries_to_free, &h);
  toolorch_set_event_fn(b.ctx, event_tries_to_free, &h);
  run_one_batch(b.ctx);
  loop_until(b.base, &h.done);
  assert_int_equal(h.refused_in_tool, 1);
  assert_int_equal(h.refused_in_event, 1);
  h.done = 0; /* still alive and working */
  run_one_batch(b.ctx);
  loop_until(b.base, &h.done);
  assert_int_equal(h.refused_in_event, 2);
  borrowed_free(&b);
}

static void free_is_refused_inside_callbacks_owned(void **state) {
  (void)state;
  toolorch_ctx *ctx = toolorch_new(NULL, NULL);
  struct freeing_in_callback h = {ctx, 0, 0, 0};
  register_fn(ctx, "freer", tool_tries_to_free, &h);
  toolorch_set_event_fn(ctx, event_tries_to_free, &h);
  run_one_batch(ctx);
  for (int i = 0; i < 500 && !__atomic_load_n(&h.done, __ATOMIC_ACQUIRE); i++) usleep(10000);
  assert_int_equal(__atomic_load_n(&h.refused_in_tool, __ATOMIC_ACQUIRE), 1);
  assert_int_equal(__atomic_load_n(&h.refused_in_event, __ATOMIC_ACQUIRE), 1);
  toolorch_free(ctx); /* here it frees */
}

/* Rule: a cancel made on the loop thread delivers its events before it
 * returns (the event callback is re-entered). */
struct watching_host {
  int cancelled_results, batch_done;
};

static void watch(const toolorch_event *ev, void *ud) {
  struct watching_host *h = ud;
  int type = toolorch_event_type_of(ev);
  if (type == TOOLORCH_EVENT_CALL_RESULT && toolorch_event_call_state(ev) == TOOLORCH_CALL_CANCELLED)
    h->cancelled_results++;
  if (type == TOOLORCH_EVENT_BATCH_DONE) h->batch_done++;
}

static void cancel_on_the_loop_delivers_before_returning(void **state) {
  (void)state;
  struct borrowed b = borrowed_new();
  register_fn(b.ctx, "slow", never_completes, NULL);
  struct watching_host h = {0, 0};
  toolorch_set_event_fn(b.ctx, watch, &h);
  toolorch_batch *bt = toolorch_batch_new(b.ctx, NULL);
  toolorch_batch_add(bt, "slow", "{}", NULL);
  toolorch_batch_add(bt, "slow", "{}", NULL);
  assert_int_equal(toolorch_batch_submit(bt), TOOLORCH_OK);
  event_base_loop(b.base, EVLOOP_NONBLOCK);
  assert_int_equal(h.batch_done, 0);
  assert_int_equal(toolorch_batch_cancel(bt), TOOLORCH_OK);
  assert_int_equal(h.cancelled_results, 2); /* before it returned */
  assert_int_equal(h.batch_done, 1);
  toolorch_batch_free(bt);
  borrowed_free(&b);
}

/* Rules: a tool function may cancel its own batch (its call ends cancelled,
 * completing it then returns ELATE); a cancel function may complete the call
 * (ELATE). Each call ends once. */
struct self_cancel_host {
  toolorch_batch *batch;
  int complete_rc, cancel_fn_rc, cancel_fn_runs;
  int results, cancelled, done;
};

static void on_cancel_completes(toolorch_call *call, void *ud) {
  struct self_cancel_host *h = ud;
  h->cancel_fn_runs++;
  h->cancel_fn_rc = toolorch_call_complete(call, "too late");
}

static void parks_with_cancel_fn(toolorch_call *call, const char *args, void *ud) {
  (void)args;
  assert_int_equal(toolorch_call_on_cancel(call, on_cancel_completes, ud), TOOLORCH_OK);
}

static void cancels_its_own_batch(toolorch_call *call, const char *args, void *ud) {
  struct self_cancel_host *h = ud;
  assert_int_equal(toolorch_batch_cancel(h->batch), TOOLORCH_OK);
  h->complete_rc = toolorch_call_complete(call, args);
}

static void count_ends(const toolorch_event *ev, void *ud) {
  struct self_cancel_host *h = ud;
  int type = toolorch_event_type_of(ev);
  if (type == TOOLORCH_EVENT_CALL_RESULT) {
    h->results++;
    h->cancelled += toolorch_event_call_state(ev) == TOOLORCH_CALL_CANCELLED;
  }
  if (type == TOOLORCH_EVENT_BATCH_DONE) h->done++;
}

static void tool_cancels_its_own_batch(void **state) {
  (void)state;
  struct borrowed b = borrowed_new();
  struct self_cancel_host h = {NULL, 1, 1, 0, 0, 0, 0};
  register_fn(b.ctx, "parked", parks_with_cancel_fn, &h);
  register_fn(b.ctx, "canceller", cancels_its_own_batch, &h);
  toolorch_set_event_fn(b.ctx, count_ends, &h);
  h.batch = toolorch_batch_new(b.ctx, NULL);
  toolorch_batch_add(h.batch, "parked", "{}", "p");
  toolorch_batch_add(h.batch, "canceller", "{}", "c");
  assert_int_equal(toolorch_batch_submit(h.batch), TOOLORCH_OK);
  loop_until(b.base, &h.done);
  assert_int_equal(h.done, 1);
  assert_int_equal(h.complete_rc, TOOLORCH_ELATE);
  assert_int_equal(h.cancel_fn_runs, 1);
  assert_int_equal(h.cancel_fn_rc, TOOLORCH_ELATE);
  assert_int_equal(h.results, 2);
  assert_int_equal(h.cancelled, 2);
  assert_int_equal(toolorch_stat(b.ctx, "late_completions"), 2);
  toolorch_batch_free(h.batch);
  borrowed_free(&b);
}

/* Rule (call.h): in owned-loop mode a cancel from another thread has ended
 * the calls when it returns, so completing one afterwards is ELATE -- for
 * each of the four ways to cancel. Repeated: the old posted cancel lost this
 * race nearly every time. */
static toolorch_call *next_tool_call(toolorch_ctx *ctx) {
  for (;;) {
    toolorch_event *ev = NULL;
    assert_int_equal(toolorch_next_event(ctx, 5000, &ev), TOOLORCH_OK);
    toolorch_call *c = toolorch_event_type_of(ev) == TOOLORCH_EVENT_TOOL_CALL ? toolorch_event_call(ev) : NULL;
    toolorch_event_free(ev);
    if (c) return c;
  }
}

static void owned_cancel_then_complete_is_late(void **state) {
  (void)state;
  toolorch_ctx *ctx = toolorch_new(NULL, NULL);
  toolorch_tool *t = toolorch_tool_new("external"); /* no fn: handed out as TOOL_CALL */
  assert_int_equal(toolorch_register_tool(ctx, t), TOOLORCH_OK);
  toolorch_tool_free(t);
  toolorch_group_policy *policy = toolorch_group_policy_new();
  for (int i = 0; i < 40; i++) {
    int way = i % 3;
    toolorch_batch *b = toolorch_batch_new(ctx, NULL);
    assert_int_equal(toolorch_batch_add_group(b, "g", policy), TOOLORCH_OK);
    assert_int_equal(toolorch_batch_add_in_group(b, "g", "external", "{}", NULL), TOOLORCH_OK);
    assert_int_equal(toolorch_batch_submit(b), TOOLORCH_OK);
    toolorch_call *c = next_tool_call(ctx);
    if (way == 0) assert_int_equal(toolorch_batch_cancel(b), TOOLORCH_OK);
    if (way == 1) assert_int_equal(toolorch_batch_cancel_group(b, "g"), TOOLORCH_OK);
    if (way == 2) assert_int_equal(toolorch_call_cancel(c), TOOLORCH_OK);
    assert_int_equal(toolorch_call_get_state(c), TOOLORCH_CALL_CANCELLED);
    assert_int_equal(toolorch_call_complete(c, "after the cancel"), TOOLORCH_ELATE);
    toolorch_batch_free(b);
  }
  toolorch_group_policy_free(policy);
  toolorch_free(ctx);
}

/* Rule: a scorer may read the context; toolorch_free is refused in it. */
struct scoring_host {
  toolorch_ctx *ctx;
  int64_t started_seen;
  int refused, done;
};

static double score_reading_stats(const char *tool, const char *args, const char *result, void *ud) {
  (void)tool;
  (void)args;
  (void)result;
  struct scoring_host *h = ud;
  h->started_seen = toolorch_stat(h->ctx, "calls_started");
  toolorch_free(h->ctx);
  h->refused += strstr(toolorch_last_error(h->ctx), "called from a callback") != NULL;
  return 1.0;
}

static void mark_done(const toolorch_event *ev, void *ud) {
  struct scoring_host *h = ud;
  if (toolorch_event_type_of(ev) == TOOLORCH_EVENT_BATCH_DONE) h->done = 1;
}

static void scorer_reads_the_context(void **state) {
  (void)state;
  struct borrowed b = borrowed_new();
  register_fn(b.ctx, "echo", completes_at_once, NULL);
  struct scoring_host h = {b.ctx, -1, 0, 0};
  assert_int_equal(toolorch_set_scorer(b.ctx, score_reading_stats, &h), TOOLORCH_OK);
  toolorch_set_event_fn(b.ctx, mark_done, &h);
  toolorch_group_policy *policy = toolorch_group_policy_new();
  toolorch_group_policy_set_cancel_on_score(policy, 0.5);
  toolorch_batch *bt = toolorch_batch_new(b.ctx, NULL);
  assert_int_equal(toolorch_batch_add_group(bt, "g", policy), TOOLORCH_OK);
  toolorch_batch_add_in_group(bt, "g", "echo", "{}", NULL);
  assert_int_equal(toolorch_batch_submit(bt), TOOLORCH_OK);
  loop_until(b.base, &h.done);
  assert_int_equal(h.done, 1);
  assert_int_equal(h.started_seen, 1);
  assert_int_equal(h.refused, 1);
  toolorch_group_policy_free(policy);
  toolorch_batch_free(bt);
  borrowed_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(free_batch_inside_its_own_event),
      cmocka_unit_test(cancel_before_submit),
      cmocka_unit_test(add_after_submit_is_refused),
      cmocka_unit_test(batch_done_frees_its_batch_and_starts_the_next),
      cmocka_unit_test(free_is_refused_inside_callbacks_borrowed),
      cmocka_unit_test(free_is_refused_inside_callbacks_owned),
      cmocka_unit_test(cancel_on_the_loop_delivers_before_returning),
      cmocka_unit_test(tool_cancels_its_own_batch),
      cmocka_unit_test(owned_cancel_then_complete_is_late),
      cmocka_unit_test(scorer_reads_the_context),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

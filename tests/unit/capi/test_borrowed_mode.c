/* Borrowed-loop mode: the host owns and runs the event_base; the library
 * adds its events there, calls back on that thread, and never frees it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <event2/event.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <toolorch/toolorch.h>
#include <toolorch/toolorch_libevent.h>

struct host {
  struct event_base *base;
  toolorch_ctx *ctx;
  int running, max_running, results, done, timed_out;
};

struct delayed {
  struct host *h;
  toolorch_call *call;
  struct event *ev;
};

static void finish_call(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  struct delayed *d = arg;
  d->h->running--;
  toolorch_call_complete(d->call, toolorch_call_args(d->call));
  event_free(d->ev);
  free(d);
}

/* A tool that completes after 1-20 ms on a timer of the host's own base. */
static void timer_tool(toolorch_call *call, const char *args, void *ud) {
  (void)args;
  struct host *h = ud;
  if (++h->running > h->max_running) h->max_running = h->running;
  struct delayed *d = calloc(1, sizeof *d);
  d->h = h;
  d->call = call;
  d->ev = evtimer_new(h->base, finish_call, d);
  struct timeval tv = {0, (1 + rand() % 20) * 1000};
  evtimer_add(d->ev, &tv);
}

static void on_event(const toolorch_event *ev, void *ud) {
  struct host *h = ud;
  switch (toolorch_event_type_of(ev)) {
    case TOOLORCH_EVENT_CALL_RESULT:
      h->results++;
      if (toolorch_event_call_state(ev) == TOOLORCH_CALL_TIMED_OUT) h->timed_out++;
      break;
    case TOOLORCH_EVENT_BATCH_DONE:
      h->done = 1;
      event_base_loopbreak(h->base);
      break;
    default:
      break;
  }
}

static void callbacks_on_the_hosts_loop(void **state) {
  (void)state;
  struct host h = {0};
  h.base = event_base_new();
  int host_events = event_base_get_num_events(h.base, EVENT_BASE_COUNT_ADDED);
  toolorch_opts *o = toolorch_opts_new();
  toolorch_opts_set_int(o, "max_parallel_tools", 1000);
  int status = -1;
  h.ctx = toolorch_new_with_base(h.base, o, &status);
  toolorch_opts_free(o);
  assert_non_null(h.ctx);
  toolorch_tool *t = toolorch_tool_new("sleepy");
  toolorch_tool_set_fn(t, timer_tool, &h);
  toolorch_tool_set_max_parallel(t, 25);
  assert_int_equal(toolorch_register_tool(h.ctx, t), TOOLORCH_OK);
  toolorch_tool_free(t);
  assert_int_equal(toolorch_set_event_fn(h.ctx, on_event, &h), TOOLORCH_OK);

  toolorch_event *ev = NULL;
  assert_int_equal(toolorch_next_event(h.ctx, 100, &ev), TOOLORCH_EMODE);

  toolorch_batch *b = toolorch_batch_new(h.ctx, NULL);
  for (int i = 0; i < 200; ++i) toolorch_batch_add(b, "sleepy", "{\"n\":1}", NULL);
  assert_int_equal(toolorch_batch_submit(b), TOOLORCH_OK);
  struct timeval guard = {30, 0};
  event_base_loopexit(h.base, &guard);
  event_base_dispatch(h.base);
  assert_true(h.done);
  assert_int_equal(h.results, 200);
  assert_int_equal(h.timed_out, 0);
  assert_int_equal(h.max_running, 25);
  assert_int_equal(toolorch_stat(h.ctx, "max_running"), 25);
  toolorch_batch_free(b);
  toolorch_free(h.ctx);

  /* The base is still the host's, alive, and holds none of the library's
   * events any more: only the host's own guard timer remains. */
  assert_int_equal(event_base_get_num_events(h.base, EVENT_BASE_COUNT_ADDED), host_events + 1);
  assert_int_equal(event_base_loop(h.base, EVLOOP_NONBLOCK), 0);
  event_base_free(h.base);
}

/* ---- completions and cancellations from another thread keep their order ---- */

struct parked {
  toolorch_call *calls[2];
  int count;
  int a_state, b_state, done;
  char b_text[16];
  struct event_base *base;
};

static void park_tool(toolorch_call *call, const char *args, void *ud) {
  (void)args;
  struct parked *p = ud;
  p->calls[p->count++] = call;
}

static void on_parked_event(const toolorch_event *ev, void *ud) {
  struct parked *p = ud;
  if (toolorch_event_type_of(ev) == TOOLORCH_EVENT_CALL_RESULT) {
    if (!strcmp(toolorch_event_call_id(ev), "a")) p->a_state = toolorch_event_call_state(ev);
    if (!strcmp(toolorch_event_call_id(ev), "b")) {
      p->b_state = toolorch_event_call_state(ev);
      strncpy(p->b_text, toolorch_event_text(ev), sizeof p->b_text - 1);
    }
  } else if (toolorch_event_type_of(ev) == TOOLORCH_EVENT_BATCH_DONE) {
    p->done = 1;
    event_base_loopbreak(p->base);
  }
}

/* Off the loop thread, each is posted to the loop: "a" is cancelled, then
 * completed (the completion comes late); "b" is completed, then cancelled
 * (the cancellation finds it ended). */
static void *cancel_and_complete(void *arg) {
  struct parked *p = arg;
  toolorch_call_cancel(p->calls[0]);
  toolorch_call_complete(p->calls[0], "\"late\"");
  toolorch_call_complete(p->calls[1], "\"first\"");
  toolorch_call_cancel(p->calls[1]);
  return NULL;
}

static void completions_from_another_thread_keep_their_order(void **state) {
  (void)state;
  struct parked p = {0};
  p.base = event_base_new();
  toolorch_ctx *ctx = toolorch_new_with_base(p.base, NULL, NULL);
  assert_non_null(ctx);
  toolorch_tool *t = toolorch_tool_new("park");
  toolorch_tool_set_fn(t, park_tool, &p);
  assert_int_equal(toolorch_register_tool(ctx, t), TOOLORCH_OK);
  toolorch_tool_free(t);
  assert_int_equal(toolorch_set_event_fn(ctx, on_parked_event, &p), TOOLORCH_OK);
  toolorch_batch *b = toolorch_batch_new(ctx, NULL);
  toolorch_batch_add(b, "park", "{}", "a");
  toolorch_batch_add(b, "park", "{}", "b");
  assert_int_equal(toolorch_batch_submit(b), TOOLORCH_OK);
  assert_int_equal(p.count, 2);
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, cancel_and_complete, &p), 0);
  assert_int_equal(pthread_join(th, NULL), 0);
  struct timeval guard = {30, 0};
  event_base_loopexit(p.base, &guard);
  event_base_dispatch(p.base);
  assert_true(p.done);
  assert_int_equal(p.a_state, TOOLORCH_CALL_CANCELLED);
  assert_int_equal(p.b_state, TOOLORCH_CALL_SUCCEEDED);
  assert_string_equal(p.b_text, "\"first\"");
  assert_int_equal(toolorch_stat(ctx, "late_completions"), 1);
  toolorch_batch_free(b);
  toolorch_free(ctx);
  event_base_free(p.base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(callbacks_on_the_hosts_loop),
      cmocka_unit_test(completions_from_another_thread_keep_their_order),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

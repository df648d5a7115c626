/* A user's program built against an installed toolorch: two tools with their
 * own caps, a batch of 200 calls, every result as it completes, and the caps
 * checked from the library's own counters. */
#include <pthread.h>
#include <stdio.h>
#include <toolorch/toolorch.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int running[2], max_running[2], total_running, max_total;

static void *finish(void *arg) {
  toolorch_call *call = arg;
  int k = toolorch_call_tool_name(call)[0] == 'a' ? 0 : 1;
  pthread_mutex_lock(&mu);
  running[k]--;
  total_running--;
  pthread_mutex_unlock(&mu);
  toolorch_call_complete(call, "{\"ok\":true}");
  return NULL;
}

/* Hand each call to a thread of its own that completes it. */
static void tool_fn(toolorch_call *call, const char *args, void *ud) {
  (void)args;
  (void)ud;
  int k = toolorch_call_tool_name(call)[0] == 'a' ? 0 : 1;
  pthread_mutex_lock(&mu);
  if (++running[k] > max_running[k]) max_running[k] = running[k];
  if (++total_running > max_total) max_total = total_running;
  pthread_mutex_unlock(&mu);
  pthread_t t;
  pthread_create(&t, NULL, finish, call);
  pthread_detach(t);
}

int main(void) {
  toolorch_opts *o = toolorch_opts_new();
  toolorch_opts_set_int(o, "max_parallel_tools", 12);
  toolorch_ctx *ctx = toolorch_new(o, NULL);
  toolorch_opts_free(o);
  const char *names[2] = {"alpha", "beta"};
  int caps[2] = {5, 10};
  for (int i = 0; i < 2; ++i) {
    toolorch_tool *t = toolorch_tool_new(names[i]);
    toolorch_tool_set_fn(t, tool_fn, NULL);
    toolorch_tool_set_max_parallel(t, caps[i]);
    if (toolorch_register_tool(ctx, t) != TOOLORCH_OK) return 1;
    toolorch_tool_free(t);
  }
  toolorch_batch *b = toolorch_batch_new(ctx, NULL);
  for (int i = 0; i < 200; ++i) toolorch_batch_add(b, names[i % 2], "{}", NULL);
  toolorch_batch_submit(b);
  int results = 0, ok = 0;
  for (;;) {
    toolorch_event *ev;
    if (toolorch_next_event(ctx, 10000, &ev) != TOOLORCH_OK) return 2;
    int type = toolorch_event_type_of(ev);
    if (type == TOOLORCH_EVENT_CALL_RESULT) {
      results++;
      ok += toolorch_event_call_state(ev) == TOOLORCH_CALL_SUCCEEDED;
    }
    toolorch_event_free(ev);
    if (type == TOOLORCH_EVENT_BATCH_DONE) break;
  }
  long long max_lib = toolorch_stat(ctx, "max_running");
  toolorch_batch_free(b);
  toolorch_free(ctx);
  printf("results=%d ok=%d max_running: library=%lld seen=%d alpha=%d (cap 5) beta=%d (cap 10)\n", results, ok,
         max_lib, max_total, max_running[0], max_running[1]);
  if (results != 200 || ok != 200) return 3;
  if (max_lib > 12 || max_total > 12 || max_running[0] > 5 || max_running[1] > 10) return 4;
  return 0;
}

/*
 * Borrowed-loop mode: your program owns a libevent event_base and runs it;
 * toolorch lives inside it. A "weather" tool answers after a short timer on
 * the same base; 20 calls run in parallel (at most 8 at once) and each
 * result is printed as it lands.
 *
 *   build/examples/example_borrowed_loop
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <toolorch/toolorch.h>
#include <toolorch/toolorch_libevent.h>

struct app {
  struct event_base *base;
  int done;
};

struct reply {
  toolorch_call *call;
  struct event *timer;
};

static void send_reply(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  struct reply *r = arg;
  char out[160];
  snprintf(out, sizeof out, "{\"forecast\":\"sunny\",\"for\":%s}", toolorch_call_args(r->call));
  toolorch_call_complete(r->call, out);
  event_free(r->timer);
  free(r);
}

/* Runs on the loop thread: start the work, answer later. */
static void weather_tool(toolorch_call *call, const char *args, void *userdata) {
  (void)args;
  struct app *app = userdata;
  struct reply *r = malloc(sizeof *r);
  r->call = call;
  r->timer = evtimer_new(app->base, send_reply, r);
  struct timeval tv = {0, (10 + rand() % 40) * 1000};
  evtimer_add(r->timer, &tv);
}

static void on_event(const toolorch_event *ev, void *userdata) {
  struct app *app = userdata;
  switch (toolorch_event_type_of(ev)) {
    case TOOLORCH_EVENT_CALL_RESULT:
      printf("%-8s %-9s %5.1f ms  %s\n", toolorch_event_call_id(ev),
             toolorch_call_state_name(toolorch_event_call_state(ev)), toolorch_event_run_us(ev) / 1000.0,
             toolorch_event_text(ev));
      break;
    case TOOLORCH_EVENT_BATCH_DONE:
      app->done = 1;
      event_base_loopbreak(app->base);
      break;
    default:
      break;
  }
}

int main(void) {
  struct app app = {event_base_new(), 0};
  toolorch_opts *opts = toolorch_opts_new();
  toolorch_opts_from_json(opts, "{\"max_parallel_tools\": 8, \"tool_timeout_ms\": 2000}");
  int status;
  toolorch_ctx *ctx = toolorch_new_with_base(app.base, opts, &status);
  toolorch_opts_free(opts);
  if (!ctx) {
    fprintf(stderr, "toolorch_new_with_base: %s: %s\n", toolorch_strerror(status), toolorch_last_error(NULL));
    return 1;
  }
  toolorch_tool *tool = toolorch_tool_new("weather");
  toolorch_tool_set_description(tool, "Forecast for a city");
  toolorch_tool_set_schema(tool, "{\"type\":\"object\",\"required\":[\"city\"],"
                                 "\"properties\":{\"city\":{\"type\":\"string\"}}}");
  toolorch_tool_set_flags(tool, TOOLORCH_TOOL_SIDE_EFFECT_FREE);
  toolorch_tool_set_fn(tool, weather_tool, &app);
  if (toolorch_register_tool(ctx, tool) != TOOLORCH_OK) {
    fprintf(stderr, "register: %s\n", toolorch_last_error(ctx));
    return 1;
  }
  toolorch_tool_free(tool);
  toolorch_set_event_fn(ctx, on_event, &app);

  toolorch_batch *batch = toolorch_batch_new(ctx, NULL);
  char args[64];
  for (int i = 0; i < 20; ++i) {
    snprintf(args, sizeof args, "{\"city\":\"city-%d\"}", i);
    toolorch_batch_add(batch, "weather", args, NULL);
  }
  toolorch_batch_add(batch, "weather", "{\"town\":\"nowhere\"}", "bad-args"); /* fails: schema */
  toolorch_batch_submit(batch);
  event_base_dispatch(app.base); /* the host runs its own loop */

  printf("done: %lld succeeded, %lld failed, at most %lld running at once\n",
         (long long)toolorch_stat(ctx, "calls_succeeded"), (long long)toolorch_stat(ctx, "calls_failed"),
         (long long)toolorch_stat(ctx, "max_running"));
  toolorch_batch_free(batch);
  toolorch_free(ctx);
  event_base_free(app.base); /* the base stays the host's */
  return app.done ? 0 : 1;
}

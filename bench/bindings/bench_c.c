/*
 * The C baseline of bench/bindings: 10,000 calls to an external tool through
 * one batch, each TOOL_CALL taken from the batch's own event queue
 * (toolorch_batch_new_queued) and completed by this thread, the way the Go,
 * Java and Ruby consumers do it (minus their runtime). Prints CPU microseconds per call (process CPU time / calls: the
 * library's loop thread included); then the latency from a call's result
 * to the code that reads it: 1,000 batches of one call, each from just
 * before toolorch_call_complete to its CALL_RESULT coming out of
 * toolorch_batch_next_event (median and p99, microseconds); then one JSON line for
 * run.sh.
 *
 *   bench_bindings_c [calls]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <toolorch/toolorch.h>

static double now_s(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* When the last call was completed, and how long its result took to come
 * back out of the queue (run_batch with n == 1). */
static double completed_at, result_latency_s;

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* One batch of n calls to "echo"; 0 when every call succeeded. */
static int run_batch(toolorch_ctx *ctx, int n) {
  toolorch_batch *batch = toolorch_batch_new_queued(ctx, NULL);
  if (!batch) return -1;
  char args[64];
  for (int i = 0; i < n; ++i) {
    snprintf(args, sizeof args, "{\"i\":%d}", i);
    toolorch_batch_add(batch, "echo", args, NULL);
  }
  int rc = toolorch_batch_submit(batch);
  int ok = 0, done = 0;
  while (rc == TOOLORCH_OK && !done) {
    toolorch_event *ev;
    rc = toolorch_batch_next_event(batch, 10000, &ev);
    if (rc != TOOLORCH_OK) break;
    switch (toolorch_event_type_of(ev)) {
      case TOOLORCH_EVENT_TOOL_CALL:
        /* The tool: its result is its arguments. */
        completed_at = now_s(CLOCK_MONOTONIC);
        toolorch_call_complete(toolorch_event_call(ev), toolorch_event_json(ev));
        break;
      case TOOLORCH_EVENT_CALL_RESULT:
        result_latency_s = now_s(CLOCK_MONOTONIC) - completed_at;
        ok += toolorch_event_call_state(ev) == TOOLORCH_CALL_SUCCEEDED;
        break;
      case TOOLORCH_EVENT_BATCH_DONE:
        done = 1;
        break;
    }
    toolorch_event_free(ev);
  }
  toolorch_batch_free(batch);
  if (rc != TOOLORCH_OK) fprintf(stderr, "next_event: %s\n", toolorch_strerror(rc));
  return done && ok == n ? 0 : -1;
}

int main(int argc, char **argv) {
  int calls = argc > 1 ? atoi(argv[1]) : 10000;
  if (calls <= 0) calls = 10000;
  int status;
  toolorch_opts *opts = toolorch_opts_new();
  toolorch_opts_from_json(opts, "{\"max_parallel_tools\": 256}");
  toolorch_ctx *ctx = toolorch_new(opts, &status);
  toolorch_opts_free(opts);
  if (!ctx) {
    fprintf(stderr, "toolorch_new: %s\n", toolorch_strerror(status));
    return 1;
  }
  toolorch_tool *tool = toolorch_tool_new("echo"); /* no fn: external */
  toolorch_register_tool(ctx, tool);
  toolorch_tool_free(tool);

  for (int i = 0; i < 4; ++i) { /* warm-up: 20,000 calls, as in every language */
    if (run_batch(ctx, 5000) != 0) {
      fprintf(stderr, "warm-up batch failed\n");
      return 1;
    }
  }
  double cpu0 = now_s(CLOCK_PROCESS_CPUTIME_ID), wall0 = now_s(CLOCK_MONOTONIC);
  int rc = run_batch(ctx, calls);
  double cpu = now_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0, wall = now_s(CLOCK_MONOTONIC) - wall0;
  enum { SAMPLES = 1000 };
  static double lat[SAMPLES];
  for (int i = 0; rc == 0 && i < SAMPLES; ++i) {
    rc = run_batch(ctx, 1);
    lat[i] = result_latency_s * 1e6;
  }
  toolorch_free(ctx);
  if (rc != 0) {
    fprintf(stderr, "batch failed\n");
    return 1;
  }
  qsort(lat, SAMPLES, sizeof lat[0], cmp_double);
  double us = cpu * 1e6 / calls, median = lat[SAMPLES / 2], p99 = lat[SAMPLES * 99 / 100];
  printf("c:    %d calls, %.2f us CPU per call, %.1f ms wall; result -> reader %.1f us median, %.1f us p99\n",
         calls, us, wall * 1e3, median, p99);
  printf("{\"lang\":\"c\",\"calls\":%d,\"cpu_us_per_call\":%.3f,\"wall_ms\":%.1f,"
         "\"result_to_callback_us\":{\"median\":%.1f,\"p99\":%.1f}}\n",
         calls, us, wall * 1e3, median, p99);
  return 0;
}

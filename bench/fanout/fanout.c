/*
 * bench/fanout: 10,000 calls through a tool that completes on a timer after
 * 1-100 ms, max_parallel 10,000, in both drive modes. Prints wall time
 * against the ideal (the longest call), peak RSS and CPU per call, then one
 * JSON line per mode. Run by hand: build/bench/fanout/bench_fanout [calls]
 *
 * Then (only without [calls]) the in-flight case: 100,000 calls in flight at
 * once (all submitted, and all handed to the tool, before the first one
 * completes), borrowed loop: its wall against the ideal, and its peak RSS
 * above the RSS it started from (the peak is reset first through
 * /proc/self/clear_refs) per call in flight. The tool's own pending timer
 * (a libevent event and a small struct, ~200 bytes) is in that figure; the
 * arguments ({"ms":N}) and results ({}) are a few bytes. Beside it, the
 * host alone: the same calls' arguments formatted and read back, and their
 * timers run on a fresh base of their own, without the library (its wall
 * and CPU per call, "host_alone_*"): the floor this bench's host side puts
 * under the in-flight wall, whatever the library costs.
 *
 * "borrowed_warm" is a second borrowed run in the same process: the memory
 * the first one freed is reused, so it shows the CPU per call of a process
 * past its first batch, without the first touches of fresh heap (the
 * page_faults_per_call of each line says how many the run took).
 *
 * TOOLORCH_BENCH_FANOUT_MODE=borrowed|queue runs that drive mode only (and
 * no in-flight case): to profile one mode, e.g. under callgrind.
 *
 * Under callgrind, each measured run's instructions are a dump of their
 * own (see BENCH_MEASURE_START below): the Ir per call of what the CPU
 * figure measures.
 *
 * CPU per call is the whole process's CPU (the library, the event loop and
 * the tool's own timer) divided by the calls: an upper bound of the
 * library's share.
 */
#define _GNU_SOURCE /* ppoll */
#include <event2/event.h>
#include <malloc.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <toolorch/toolorch.h>
#include <toolorch/toolorch_libevent.h>

/* Under callgrind, the instructions of each measured run (what its CPU
 * figure covers: the calls, not the start-up or toolorch_free) are dumped
 * as a part of their own ("<mode>"): callgrind_annotate <out>.<n>. No-ops
 * elsewhere. */
#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define BENCH_MEASURE_START() CALLGRIND_ZERO_STATS
#define BENCH_MEASURE_END(name) CALLGRIND_DUMP_STATS_AT(name)
#endif
#endif
#ifndef BENCH_MEASURE_START
#define BENCH_MEASURE_START() ((void)0)
#define BENCH_MEASURE_END(name) ((void)0)
#endif

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double cpu_us(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

/* Minor page faults so far: first touches of fresh memory, which the
 * kernel charges to this process's system time. */
static long minor_faults(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_minflt;
}

static double peak_rss_mb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;
}

/* The delay of call i of calls: 1..100 ms, spread evenly, the longest one
 * first in submission order so that "ideal" is reachable. */
static int delay_ms(int i, int calls) { return 100 - (int)((long)i * 100 / (calls + 1)); }

/* TOOLORCH_BENCH_OBS: "off" (no metrics, no tracing), "metrics" (the
 * default registry), "tracing" (metrics and every span, sampled at 1.0, to
 * OTEL_EXPORTER_OTLP_ENDPOINT: run bench/obs_cost.sh for a local sink). */
static const char *obs_mode(void) {
  const char *m = getenv("TOOLORCH_BENCH_OBS");
  return m && *m ? m : "metrics";
}

static toolorch_opts *bench_opts(int calls) {
  toolorch_opts *o = toolorch_opts_new();
  if (!strcmp(obs_mode(), "off")) toolorch_opts_set_bool(o, "observability.metrics", 0);
  /* Only "tracing" takes the endpoint from the environment. */
  if (strcmp(obs_mode(), "tracing")) toolorch_opts_set_string(o, "observability.otlp_endpoint", "");
  if (!strcmp(obs_mode(), "tracing")) {
    toolorch_opts_set_double(o, "observability.trace_sample", 1.0);
    toolorch_opts_set_int(o, "observability.otlp_max_queue", 1000000);
  }
  toolorch_opts_set_int(o, "max_parallel_tools", calls);
  toolorch_opts_set_int(o, "tool_timeout_ms", 60000);
  return o;
}

/* VmRSS or VmHWM (the peak) from /proc/self/status, in bytes; -1 if unknown. */
static long proc_status_bytes(const char *key) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kb = -1;
  size_t n = strlen(key);
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, key, n) && line[n] == ':') {
      kb = atol(line + n + 1);
      break;
    }
  fclose(f);
  return kb < 0 ? -1 : kb * 1024;
}

/* Resets the peak RSS (VmHWM) to the current RSS: Linux >= 4.0. */
static int reset_peak_rss(void) {
  FILE *f = fopen("/proc/self/clear_refs", "w");
  if (!f) return 0;
  int ok = fputs("5", f) >= 0;
  return fclose(f) == 0 && ok;
}

static void report(const char *mode, int calls, double wall, double ideal, double cpu, long faults, int ok) {
  printf("%-13s calls=%d ok=%d wall=%.1f ms ideal=%.1f ms (%+.1f%%) cpu/call=%.2f us page faults/call=%.3f "
         "peak_rss=%.1f MB\n",
         mode, calls, ok, wall, ideal, (wall / ideal - 1) * 100, cpu / calls, (double)faults / calls, peak_rss_mb());
}

static void json_line(const char *mode, int calls, double wall, double ideal, double cpu, long faults) {
  printf("{\"bench\":\"fanout\",\"obs\":\"%s\",\"mode\":\"%s\",\"calls\":%d,\"wall_ms\":%.2f,\"ideal_ms\":%.2f,"
         "\"cpu_us_per_call\":%.3f,\"page_faults_per_call\":%.3f,\"peak_rss_mb\":%.1f}\n",
         obs_mode(), mode, calls, wall, ideal, cpu / calls, (double)faults / calls, peak_rss_mb());
}

/* ---- borrowed loop: the tool completes on a timer of the host's base ---- */

struct borrowed {
  struct event_base *base;
  int results, ok, done;
};

struct pending_timer {
  toolorch_call *call;
  struct event *ev;
};

static void on_timer(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  struct pending_timer *p = arg;
  toolorch_call_complete(p->call, "{}");
  event_free(p->ev);
  free(p);
}

static void timer_tool(toolorch_call *call, const char *args, void *ud) {
  struct borrowed *b = ud;
  int ms = atoi(args + 6); /* args are {"ms":N} */
  struct pending_timer *p = malloc(sizeof *p);
  p->call = call;
  p->ev = evtimer_new(b->base, on_timer, p);
  struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
  evtimer_add(p->ev, &tv);
}

static void on_event(const toolorch_event *ev, void *ud) {
  struct borrowed *b = ud;
  int type = toolorch_event_type_of(ev);
  if (type == TOOLORCH_EVENT_CALL_RESULT) {
    b->results++;
    if (toolorch_event_call_state(ev) == TOOLORCH_CALL_SUCCEEDED) b->ok++;
  } else if (type == TOOLORCH_EVENT_BATCH_DONE) {
    b->done = 1;
    event_base_loopbreak(b->base);
  }
}

static double run_borrowed(int calls, const char *label, double *cpu_per_call) {
  struct borrowed b = {0};
  b.base = event_base_new();
  toolorch_opts *o = bench_opts(calls);
  toolorch_ctx *ctx = toolorch_new_with_base(b.base, o, NULL);
  toolorch_opts_free(o);
  toolorch_tool *t = toolorch_tool_new("sleep");
  toolorch_tool_set_fn(t, timer_tool, &b);
  toolorch_register_tool(ctx, t);
  toolorch_tool_free(t);
  toolorch_set_event_fn(ctx, on_event, &b);

  BENCH_MEASURE_START();
  long faults0 = minor_faults();
  double cpu0 = cpu_us(), t0 = now_ms();
  toolorch_batch *batch = toolorch_batch_new(ctx, NULL);
  char args[32];
  for (int i = 0; i < calls; ++i) {
    snprintf(args, sizeof args, "{\"ms\":%d}", delay_ms(i, calls));
    toolorch_batch_add(batch, "sleep", args, NULL);
  }
  toolorch_batch_submit(batch);
  event_base_dispatch(b.base);
  double wall = now_ms() - t0, cpu = cpu_us() - cpu0;
  long faults = minor_faults() - faults0;
  BENCH_MEASURE_END(label);
  report(label, calls, wall, 100.0, cpu, faults, b.ok);
  if (cpu_per_call) *cpu_per_call = cpu / calls; /* the caller prints the JSON line */
  else json_line(label, calls, wall, 100.0, cpu, faults);
  toolorch_batch_free(batch);
  toolorch_free(ctx);
  event_base_free(b.base);
  return wall;
}

/* ---- the host alone: the in-flight case's timers without the library ---- */

struct host_timer {
  struct event *ev;
  int *left;
  struct event_base *base;
};

static void on_host_timer(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  struct host_timer *p = arg;
  event_free(p->ev);
  if (--*p->left == 0) event_base_loopbreak(p->base);
  free(p);
}

/* What timer_tool and on_timer do per call, and the arguments formatted as
 * run_borrowed formats them: wall in ms, CPU per call in *cpu_per_call. */
static double run_host_alone(int calls, double *cpu_per_call) {
  struct event_base *base = event_base_new();
  int left = calls;
  double cpu0 = cpu_us(), t0 = now_ms();
  char args[32];
  for (int i = 0; i < calls; ++i) {
    snprintf(args, sizeof args, "{\"ms\":%d}", delay_ms(i, calls));
    int ms = atoi(args + 6);
    struct host_timer *p = malloc(sizeof *p);
    p->left = &left;
    p->base = base;
    p->ev = evtimer_new(base, on_host_timer, p);
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(p->ev, &tv);
  }
  event_base_dispatch(base);
  double wall = now_ms() - t0;
  *cpu_per_call = (cpu_us() - cpu0) / calls;
  event_base_free(base);
  return wall;
}

/* calls in flight at once: peak RSS above the start, per call. */
static void run_in_flight(int calls) {
  malloc_trim(0); /* what earlier cases freed does not hide this one's growth */
  int reset = reset_peak_rss();
  long rss0 = proc_status_bytes("VmRSS");
  double cpu = 0, wall = run_borrowed(calls, "in_flight", &cpu);
  long peak = proc_status_bytes("VmHWM");
  double per_call = reset && rss0 > 0 && peak > 0 ? (double)(peak - rss0) / calls : -1;
  printf("in_flight: %d calls in flight, wall %.1f ms (ideal 100 ms, %+.1f%%), RSS %.1f MB at start, peak %.1f MB: "
         "%.0f bytes per call in flight%s\n",
         calls, wall, (wall / 100.0 - 1) * 100, rss0 / 1048576.0, peak / 1048576.0, per_call,
         reset ? "" : " (the peak could not be reset: figure unknown)");
  double host_cpu = 0, host_wall = run_host_alone(calls, &host_cpu);
  printf("in_flight: the host alone (the same arguments formatted, the same timers, no library): wall %.1f ms "
         "(%+.1f%%), cpu/call=%.2f us\n",
         host_wall, (host_wall / 100.0 - 1) * 100, host_cpu);
  printf("{\"bench\":\"fanout\",\"obs\":\"%s\",\"mode\":\"in_flight\",\"calls\":%d,\"wall_ms\":%.2f,\"ideal_ms\":100.00,"
         "\"cpu_us_per_call\":%.3f,\"rss_start_mb\":%.1f,\"rss_peak_mb\":%.1f,\"bytes_per_call_in_flight\":%.0f,"
         "\"host_alone_wall_ms\":%.2f,\"host_alone_cpu_us_per_call\":%.3f}\n",
         obs_mode(), calls, wall, cpu, rss0 / 1048576.0, peak / 1048576.0, per_call, host_wall, host_cpu);
}

/* ---- event queue: an external tool, completed by this thread on ppoll() ---- */

struct due {
  double at;
  toolorch_call *call;
};

/* A binary min-heap of due completions: the consumer's own timer wheel. */
static void heap_push(struct due *h, size_t *n, struct due d) {
  size_t i = (*n)++;
  while (i > 0 && h[(i - 1) / 2].at > d.at) {
    h[i] = h[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  h[i] = d;
}

static struct due heap_pop(struct due *h, size_t *n) {
  struct due top = h[0], last = h[--*n];
  size_t i = 0;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= *n) break;
    if (c + 1 < *n && h[c + 1].at < h[c].at) c++;
    if (h[c].at >= last.at) break;
    h[i] = h[c];
    i = c;
  }
  h[i] = last;
  return top;
}

static void run_queue(int calls) {
  toolorch_opts *o = bench_opts(calls);
  toolorch_ctx *ctx = toolorch_new(o, NULL);
  toolorch_opts_free(o);
  toolorch_tool *t = toolorch_tool_new("sleep");
  toolorch_register_tool(ctx, t); /* no fn: calls come out as events */
  toolorch_tool_free(t);
  struct due *dues = calloc((size_t)calls, sizeof *dues);
  size_t count = 0;
  int ok = 0, done = 0, fd = toolorch_event_fd(ctx);

  BENCH_MEASURE_START();
  long faults0 = minor_faults();
  double cpu0 = cpu_us(), t0 = now_ms();
  toolorch_batch *batch = toolorch_batch_new(ctx, NULL);
  char args[32];
  for (int i = 0; i < calls; ++i) {
    snprintf(args, sizeof args, "{\"ms\":%d}", delay_ms(i, calls));
    toolorch_batch_add(batch, "sleep", args, NULL);
  }
  toolorch_batch_submit(batch);
  while (!done) {
    double now = now_ms();
    while (count > 0 && dues[0].at <= now) toolorch_call_complete(heap_pop(dues, &count).call, "{}");
    /* Until the next due completion, to the microsecond: poll()'s whole
     * milliseconds would complete each call 0-1 ms after it is due (0.5 ms
     * on average, the last call's included), a lag of this host's timers,
     * not of the library. */
    double wait_ms = count > 0 ? dues[0].at - now : 1000;
    if (wait_ms < 0) wait_ms = 0;
    long wait_us = (long)(wait_ms * 1000) + 1;
    struct timespec wait = {wait_us / 1000000, (wait_us % 1000000) * 1000};
    struct pollfd p = {fd, POLLIN, 0};
    ppoll(&p, 1, &wait, NULL);
    toolorch_event *ev;
    while (toolorch_next_event(ctx, 0, &ev) == TOOLORCH_OK) {
      int type = toolorch_event_type_of(ev);
      if (type == TOOLORCH_EVENT_TOOL_CALL) {
        struct due d = {now_ms() + atoi(toolorch_event_json(ev) + 6), toolorch_event_call(ev)};
        heap_push(dues, &count, d);
      } else if (type == TOOLORCH_EVENT_CALL_RESULT) {
        if (toolorch_event_call_state(ev) == TOOLORCH_CALL_SUCCEEDED) ok++;
      } else if (type == TOOLORCH_EVENT_BATCH_DONE) {
        done = 1;
      }
      toolorch_event_free(ev);
    }
  }
  double wall = now_ms() - t0, cpu = cpu_us() - cpu0;
  long faults = minor_faults() - faults0;
  BENCH_MEASURE_END("queue");
  report("queue", calls, wall, 100.0, cpu, faults, ok);
  json_line("queue", calls, wall, 100.0, cpu, faults);
  toolorch_batch_free(batch);
  toolorch_free(ctx);
  free(dues);
}

int main(int argc, char **argv) {
  int calls = argc > 1 ? atoi(argv[1]) : 10000;
  if (calls <= 0) calls = 10000;
  const char *only = getenv("TOOLORCH_BENCH_FANOUT_MODE");
  if (only && !*only) only = NULL;
  printf("bench/fanout: %d calls, tool delays 1-100 ms, max_parallel %d, observability %s\n", calls, calls, obs_mode());
  if (!only || !strcmp(only, "borrowed")) {
    run_borrowed(calls, "borrowed", NULL);
    run_borrowed(calls, "borrowed_warm", NULL);
  }
  if (!only || !strcmp(only, "queue")) run_queue(calls);
  if (argc <= 1 && !only) run_in_flight(100000);
  return 0;
}

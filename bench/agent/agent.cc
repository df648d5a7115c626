// bench/agent: one agent job against the scripted LLM server, the server run
// as the separate toolorch-mockllm process (so this process's CPU is the
// library's, and the server's is read from its rusage).
//
// Cases: N tool calls per round x 2 rounds, then a final text round, for
// N = 50 and N = 1,000, with eager dispatch (the default "safe", the tool
// being side-effect free); "<case>_eager_off" runs the same with "off", for
// comparison; "n1000_unpaced" sends each whole stream at once, for the CPU
// per call of a hot loop; "n1000_unpaced_inline" the same with tools that
// answer inside the tool function, so that no host timer wakes the loop per
// call (the library's own CPU per call, without the host's wake-ups).
// Default: all but n1000_eager_off (about 23 s here: the server's pacing is
// coarse, see below); --all adds it (+17 s).
// LLM: time to first byte 200 ms, chunk_gap 1 ms, chunk_bytes 16 (each
// call's arguments come in two pieces, calls one after another). Tools:
// latency drawn uniformly from 50..150 whole ms (fixed seed), completed on a
// timer of the host's base (EVENT_BASE_FLAG_PRECISE_TIMER, so that timer
// slop does not pass for library time). Borrowed-loop mode, event callback.
//
// Critical path (the issue's): the sum over the LLM requests of the LLM's
// time, plus the slowest tool (drawn latency) of each tool round.
//  - critical_path_ms takes the LLM's time from the client side, in the job:
//    from the request being issued (job start, or the previous ROUND_DONE:
//    the next request goes out on the next loop pass) to the response's end
//    (USAGE, emitted at "data: [DONE]" / message_stop). So the library's
//    encoding of the request and its parsing of the stream are inside it.
//  - critical_path_raw_ms takes it without the library: a plain libcurl
//    request for the same round to a twin server with the same script,
//    timed from request to the response's end (RawLlm), on a thread of its
//    own while the job runs (same machine load; its CPU is taken out of the
//    process's). It carries the server's pacing jitter (below), a few ms per
//    request, so it cross-checks the first rather than replacing it.
// Early dispatch runs tools while the stream still arrives, so the wall time
// can be below either. eager_bound_ms is the tight figure: per round, the
// later of the response's end and the last tool's due time (its start, as
// the tool saw it, plus its drawn latency); wall - eager bound is what the
// library (and the loop) added after it had everything it waited for.
//
// CPU: this process's (getrusage, user + system) from the job's start to
// JOB_DONE, less the twin thread's; stream_cpu_ms is the twin thread's own:
// what reading the same streams costs with libcurl alone. The server's CPU
// comes from its rusage when it exits. sys_us_per_call is the system
// (kernel) part of cpu_us_per_call, wakeups_per_call the voluntary context
// switches (sleeps in epoll_wait) of the process but the twin's, per call.
// In the cases with host timers (all but "_inline"),
// host_timers_cpu_us_per_call is what the host's tool timers cost alone:
// after the job, the same due times (each call's start plus its drawn
// latency, from the job's start) are replayed on a fresh precise-timer base
// of this thread with no library, each timer doing the bench's own work
// (read the clock, free its event); host_timers_wakeups_per_call counts that
// replay's sleeps ("_inline" cases: null). In the paced cases a timer may
// fall due while the loop is awake for a chunk anyway, and the replay
// charges it a wake-up of its own: there it is an upper bound.
// cpu_us_per_chunk divides the
// process's CPU by the SSE events (chunks) the job received, counted on the
// twin (same script, same events): in the paced cases each chunk is about
// one loop wake-up, so it is the CPU a streamed chunk costs.
//
// Pacing: toolorch-mockllm's base does not ask for precise timers, and
// libevent then reads CLOCK_MONOTONIC_COARSE: on a HZ=250 kernel a 1 ms
// chunk_gap becomes ~4 ms per write, on 4 ms ticks. The figures use what the
// server really did, not the script's nominal pacing.
//
// Run by hand: bench_agent [--protocol openai|anthropic|openai-responses|gemini] [--case NAME]...
//                          [--all] [--mockllm PATH]
// Figures for people first, then one JSON line per case.
#include <event2/event.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <toolorch/toolorch.h>
#include <toolorch/toolorch_libevent.h>

#include "mock_process.h"
#include "raw_llm.h"

#ifndef TOOLORCH_MOCKLLM_PATH
#define TOOLORCH_MOCKLLM_PATH "toolorch-mockllm"
#endif

namespace {

constexpr int kTtfbMs = 200, kChunkGapMs = 1, kChunkBytes = 16;  // the paced cases
constexpr int kLatMinMs = 50, kLatMaxMs = 150;
constexpr int kToolRounds = 2;

double now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// CPU of the process or of this thread: ms in user and system mode, and
// voluntary context switches (each is a sleep in epoll_wait or a lock: a
// loop wake-up). Only the sum user + system is exact (the kernel may split
// it by sampling ticks); the system share says how much is the kernel's.
struct CpuUse {
  double user = 0, sys = 0, wakeups = 0;
  double total() const { return user + sys; }
  CpuUse operator-(const CpuUse &o) const { return {user - o.user, sys - o.sys, wakeups - o.wakeups}; }
};

CpuUse cpu_now(int who) {
  rusage ru{};
  getrusage(who, &ru);
  return {ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3, ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3,
          static_cast<double>(ru.ru_nvcsw)};
}

std::string script_json(int per_round, int chunk_gap_ms) {
  std::string repeat = "{\"name\": \"fetch\", \"count\": " + std::to_string(per_round) +
                       ", \"arguments\": {\"i\": \"{i}\"}}";
  return "{\"ttfb_ms\": " + std::to_string(kTtfbMs) + ", \"chunk_gap_ms\": " + std::to_string(chunk_gap_ms) +
         ", \"chunk_bytes\": " + std::to_string(kChunkBytes) + ", \"rounds\": [" +
         "{\"text\": \"Fetching.\", \"repeat\": " + repeat + "}, {\"text\": \"More.\", \"repeat\": " + repeat +
         "}, {\"text\": \"done: {tool_result_count} results\"}]}";
}

// One LLM request of the job and the tool calls it asked for, as observed.
struct Round {
  double t_req = 0;     // request issued: job start, or the previous ROUND_DONE
  double t_usage = -1;  // USAGE: the response's end (OpenAI: "data: [DONE]")
  double t_done = -1;   // ROUND_DONE: every call of the round ended
  int calls = 0;
  double first_start = -1, last_start = -1;  // when the tool got a call
  double max_lat = 0;                        // slowest drawn latency
  double max_due = 0;                        // max(tool start + latency)
  double max_run = 0;                        // slowest measured tool run
};

struct Job {
  event_base *base = nullptr;
  std::mt19937 rng{20240601};
  // Whole milliseconds, a uniform draw from 50..150.
  std::uniform_int_distribution<int> latency{kLatMinMs, kLatMaxMs};
  std::vector<Round> rounds = std::vector<Round>(1);
  size_t cur = 0;
  double t_end = -1;
  int done_status = 1, results = 0, ok = 0;
  std::string done_text;
  bool inline_tools = false;  // "_inline" cases: answer inside the tool function
  std::vector<double> dues;   // each timed call's due time (now_ms clock)

  Round &round() {
    if (rounds.size() <= cur) rounds.resize(cur + 1);
    return rounds[cur];
  }
};

struct PendingTool {
  Job *job;
  toolorch_call *call;
  event *timer;
  size_t round;
  double start;
};

void on_tool_timer(evutil_socket_t, short, void *arg) {
  auto *p = static_cast<PendingTool *>(arg);
  Round &r = p->job->rounds[p->round];
  r.max_run = std::max(r.max_run, now_ms() - p->start);
  toolorch_call_complete(p->call, "{\"ok\":true}");
  event_free(p->timer);
  delete p;
}

// The tool: answers after its drawn latency, on a timer of the host's base.
// "_inline" cases: at once, inside the tool function (no timer, no wake-up
// of the host's: what the library alone costs per call).
void fetch_tool(toolorch_call *call, const char *, void *ud) {
  auto *job = static_cast<Job *>(ud);
  const double lat = job->inline_tools ? 0 : job->latency(job->rng), start = now_ms();
  Round &r = job->round();
  r.calls++;
  if (r.first_start < 0) r.first_start = start;
  r.last_start = start;
  r.max_lat = std::max(r.max_lat, lat);
  r.max_due = std::max(r.max_due, start + lat);
  if (!job->inline_tools) job->dues.push_back(start + lat);
  if (job->inline_tools) {
    toolorch_call_complete(call, "{\"ok\":true}");
    return;
  }
  auto *p = new PendingTool{job, call, nullptr, job->cur, start};
  p->timer = evtimer_new(job->base, on_tool_timer, p);
  // libevent counts from the time it cached when this loop pass began; the
  // due time must count from now.
  event_base_update_cache_time(job->base);
  const long us = static_cast<long>(lat * 1000);
  timeval tv{us / 1000000, us % 1000000};
  evtimer_add(p->timer, &tv);
}

void on_event(const toolorch_event *ev, void *ud) {
  auto *job = static_cast<Job *>(ud);
  const double t = now_ms();
  switch (toolorch_event_type_of(ev)) {
    case TOOLORCH_EVENT_USAGE:
      job->round().t_usage = t;
      break;
    case TOOLORCH_EVENT_ROUND_DONE:
      job->round().t_done = t;
      job->cur++;
      job->round().t_req = t;  // the next request goes out on the next loop pass
      break;
    case TOOLORCH_EVENT_CALL_RESULT:
      job->results++;
      if (toolorch_event_call_state(ev) == TOOLORCH_CALL_SUCCEEDED) job->ok++;
      break;
    case TOOLORCH_EVENT_JOB_DONE:
      job->t_end = t;
      job->done_status = toolorch_event_status(ev);
      job->done_text = toolorch_event_text(ev);
      event_base_loopbreak(job->base);
      break;
    default:
      break;
  }
}

struct Outcome {
  bool ok = false;
  double t0 = 0;  // the job's start (now_ms clock)
  double wall = 0;
  CpuUse cpu;
  Job job;
};

// The host's tool timers alone (see the header): the due times, in ms from
// the replay's start, on a fresh precise-timer base; this thread's CPU.
struct ReplayTimer {
  event *ev = nullptr;
  int *left = nullptr;
  event_base *base = nullptr;
};

void on_replay_timer(evutil_socket_t, short, void *arg) {
  auto *p = static_cast<ReplayTimer *>(arg);
  volatile double t = now_ms();  // as on_tool_timer reads the clock
  (void)t;
  event_free(p->ev);
  if (--*p->left == 0) event_base_loopbreak(p->base);
  delete p;
}

CpuUse replay_timers(const std::vector<double> &due_ms) {
  event_config *cfg = event_config_new();
  event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
  event_base *base = event_base_new_with_config(cfg);
  event_config_free(cfg);
  if (!base || due_ms.empty()) {
    if (base) event_base_free(base);
    return {};
  }
  int left = static_cast<int>(due_ms.size());
  const CpuUse cpu0 = cpu_now(RUSAGE_THREAD);
  const double t0 = now_ms();
  for (double due : due_ms) {
    auto *p = new ReplayTimer{nullptr, &left, base};
    p->ev = evtimer_new(base, on_replay_timer, p);
    const long us = std::max(0L, static_cast<long>((due - (now_ms() - t0)) * 1000));
    timeval tv{us / 1000000, us % 1000000};
    evtimer_add(p->ev, &tv);
  }
  event_base_dispatch(base);
  const CpuUse used = cpu_now(RUSAGE_THREAD) - cpu0;
  event_base_free(base);
  return used;
}

// TOOLORCH_BENCH_OBS: "off", "metrics" (default) or "tracing" (every span, to
// OTEL_EXPORTER_OTLP_ENDPOINT; bench/obs_cost.sh runs a local sink).
const char *obs_mode() {
  const char *m = std::getenv("TOOLORCH_BENCH_OBS");
  return m && *m ? m : "metrics";
}
std::string obs_options() {
  std::string m = obs_mode();
  if (m == "off") return ", \"observability\": {\"metrics\": false, \"otlp_endpoint\": \"\"}";
  if (m == "tracing") return ", \"observability\": {\"trace_sample\": 1.0, \"otlp_max_queue\": 1000000}";
  return ", \"observability\": {\"otlp_endpoint\": \"\"}";
}

// Runs one job against a server at url. On a precise-timer base of our own.
bool run_job(const std::string &url, const std::string &protocol, int per_round, const char *eager, bool inline_tools,
             Outcome *out, std::string *err) {
  event_config *cfg = event_config_new();
  event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
  event_base *base = event_base_new_with_config(cfg);
  event_config_free(cfg);
  if (!base) {
    *err = "event_base_new_with_config failed";
    return false;
  }
  toolorch_opts *o = toolorch_opts_new();
  const std::string opts = "{\"max_parallel_tools\": " + std::to_string(std::max(per_round, 64)) +
                           ", \"tool_timeout_ms\": 60000, \"llm\": {\"protocol\": \"" + protocol +
                           "\", \"base_url\": \"" + url + "\", \"api_key\": \"bench\", \"model\": \"mock\"}" +
                           obs_options() + "}";
  if (toolorch_opts_from_json(o, opts.c_str()) != TOOLORCH_OK) {
    *err = std::string("options: ") + toolorch_opts_last_error(o);
    toolorch_opts_free(o);
    event_base_free(base);
    return false;
  }
  int status = 0;
  toolorch_ctx *ctx = toolorch_new_with_base(base, o, &status);
  toolorch_opts_free(o);
  if (!ctx) {
    *err = std::string("toolorch_new_with_base: ") + toolorch_strerror(status);
    event_base_free(base);
    return false;
  }
  Job &job = out->job;
  job.base = base;
  job.inline_tools = inline_tools;
  toolorch_tool *t = toolorch_tool_new("fetch");
  toolorch_tool_set_description(t, "Fetch item i");
  toolorch_tool_set_schema(t, "{\"type\":\"object\",\"properties\":{\"i\":{\"type\":\"string\"}},\"required\":[\"i\"]}");
  toolorch_tool_set_flags(t, TOOLORCH_TOOL_SIDE_EFFECT_FREE);
  toolorch_tool_set_fn(t, fetch_tool, &job);
  toolorch_register_tool(ctx, t);
  toolorch_tool_free(t);
  toolorch_set_event_fn(ctx, on_event, &job);

  const std::string request = std::string("{\"prompt\": \"bench\", \"stream\": true, \"eager_dispatch\": \"") + eager +
                              "\", \"max_rounds\": 4, \"llm_timeout_ms\": 60000, \"total_timeout_ms\": 120000}";
  const CpuUse cpu0 = cpu_now(RUSAGE_SELF);
  const double t0 = now_ms();
  out->t0 = t0;
  job.rounds[0].t_req = t0;
  toolorch_job *j = toolorch_job_start(ctx, request.c_str(), nullptr, &status);
  if (j) {
    timeval guard{60, 0};
    event_base_loopexit(base, &guard);
    event_base_dispatch(base);
  }
  out->wall = job.t_end - t0;
  out->cpu = cpu_now(RUSAGE_SELF) - cpu0;
  if (!j) *err = std::string("toolorch_job_start: ") + toolorch_strerror(status) + ": " + toolorch_last_error(ctx);
  else if (job.t_end < 0) *err = "the job did not end within 60 s";
  else if (job.done_status != TOOLORCH_OK) *err = "the job failed: " + job.done_text;
  else if (job.ok != kToolRounds * per_round || job.rounds.size() != kToolRounds + 1)
    *err = "expected " + std::to_string(kToolRounds * per_round) + " successful calls in " +
           std::to_string(kToolRounds) + " rounds, got " + std::to_string(job.ok) + " in " +
           std::to_string(job.rounds.size() - 1);
  out->ok = err->empty();
  toolorch_job_free(j);
  event_base_loop(base, EVLOOP_NONBLOCK);  // the deferred frees
  toolorch_free(ctx);
  event_base_free(base);
  return out->ok;
}

struct CaseResult {
  std::string name, eager;
  int calls = 0;
  long chunks = 0;  // SSE events the job received (counted on the twin: same script)
  double wall = 0, critical = 0, critical_raw = 0, eager_bound = 0, cpu = 0, stream_cpu = 0, server_cpu = 0;
  double sys = 0, wakeups = 0;  // of cpu: the kernel's share, and the job thread's sleeps
  // The host's timers replayed alone (cases with timers; else < 0).
  double host_timers_cpu = -1, host_timers_wakeups = -1;
};

// The LLM's own time of every request of the script, measured on a thread
// of its own against its own server; its CPU is reported so that the
// process's figure can leave it out.
struct RawTimer {
  std::vector<double> ms;
  CpuUse cpu;
  long chunks = 0;
  std::string err;

  void run(const std::string &url, const std::string &protocol) {
    bench::RawLlm llm(url, protocol);
    for (int r = 0; r <= kToolRounds && err.empty(); ++r) ms.push_back(llm.time_round(r, &err));
    chunks = llm.events();
    cpu = cpu_now(RUSAGE_THREAD);
  }
};

struct Bench {
  std::string protocol = "openai", mockllm = TOOLORCH_MOCKLLM_PATH, dir;
  std::vector<CaseResult> results;

  bool start_server(bench::MockProcess *p, int per_round, int chunk_gap_ms) {
    std::string err;
    if (p->start(script_json(per_round, chunk_gap_ms), &err)) return true;
    std::fprintf(stderr, "bench_agent: %s\n", err.c_str());
    return false;
  }

  bool run_case(const std::string &name, int per_round, const char *eager, int chunk_gap_ms, bool inline_tools) {
    bench::MockProcess server(mockllm, dir + "/job"), twin(mockllm, dir + "/raw");
    if (!start_server(&server, per_round, chunk_gap_ms) || !start_server(&twin, per_round, chunk_gap_ms)) return false;
    RawTimer raw;
    std::thread timer([&] { raw.run(twin.url(), protocol); });
    Outcome out;
    std::string err;
    bool ok = run_job(server.url(), protocol, per_round, eager, inline_tools, &out, &err);
    timer.join();
    const double server_cpu = server.stop();
    if (!ok || !raw.err.empty()) {
      std::fprintf(stderr, "bench_agent: case %s: %s\n", name.c_str(), ok ? raw.err.c_str() : err.c_str());
      return false;
    }
    CaseResult c;
    c.name = name;
    c.eager = eager;
    c.calls = kToolRounds * per_round;
    c.chunks = raw.chunks;
    c.wall = out.wall;
    const CpuUse job_cpu = out.cpu - raw.cpu;
    c.cpu = job_cpu.total();
    c.sys = job_cpu.sys;
    c.wakeups = job_cpu.wakeups;
    c.stream_cpu = raw.cpu.total();
    c.server_cpu = server_cpu;
    if (!inline_tools) {
      std::vector<double> due_ms;
      for (double due : out.job.dues) due_ms.push_back(due - out.t0);
      const CpuUse replay = replay_timers(due_ms);
      c.host_timers_cpu = replay.total();
      c.host_timers_wakeups = replay.wakeups;
    }
    std::printf("case %s: %d calls x %d rounds + a final text round, eager_dispatch %s, chunk_gap %d ms%s%s\n",
                name.c_str(), per_round, kToolRounds, eager, chunk_gap_ms, chunk_gap_ms ? "" : " (whole stream at once)",
                inline_tools ? ", tools answer at once" : "");
    std::printf("  %-6s %8s %8s %8s %17s %8s %8s %8s %6s\n", "round", "llm", "llm_raw", "slowest", "tools_started",
                "max_run", "round", "bound", "late");
    const auto &rs = out.job.rounds;
    for (size_t i = 0; i < rs.size(); ++i) {
      const Round &r = rs[i];
      const bool last = i + 1 == rs.size();
      const double llm = r.t_usage - r.t_req;
      const double end = (last ? out.job.t_end : r.t_done) - r.t_req;
      const double bound = std::max(r.t_usage, r.calls ? r.max_due : 0) - r.t_req;
      c.critical += llm + r.max_lat;
      c.critical_raw += raw.ms[i] + r.max_lat;
      c.eager_bound += bound;
      char started[40] = "-";
      if (r.calls)
        std::snprintf(started, sizeof started, "+%.1f..+%.1f", r.first_start - r.t_req, r.last_start - r.t_req);
      std::printf("  %-6s %8.1f %8.1f %8.1f %17s %8.1f %8.1f %8.1f %6.2f\n",
                  last ? "final" : std::to_string(i + 1).c_str(), llm, raw.ms[i], r.max_lat, started, r.max_run, end,
                  bound, end - bound);
    }
    const double requests = static_cast<double>(rs.size());
    std::printf("  wall %.1f ms; critical path %.1f ms: %+.1f (%+.2f per LLM request); raw critical path %.1f ms: "
                "%+.1f (%+.2f per request);\n  eager bound %.1f ms: %+.2f (%+.2f per request)\n",
                c.wall, c.critical, c.wall - c.critical, (c.wall - c.critical) / requests, c.critical_raw,
                c.wall - c.critical_raw, (c.wall - c.critical_raw) / requests, c.eager_bound, c.wall - c.eager_bound,
                (c.wall - c.eager_bound) / requests);
    std::printf("  cpu: this process %.1f ms = %.1f us per call; reading the same streams with libcurl alone "
                "(twin thread) %.1f ms;\n       beyond that %.1f us per call; server %.1f ms (its own process);\n       %ld SSE chunks received: %.1f us per chunk;\n"
                "       of the process's: system %.1f us per call, %.2f wake-ups (voluntary context switches) per call\n\n",
                c.cpu, c.cpu * 1000 / c.calls, c.stream_cpu, (c.cpu - c.stream_cpu) * 1000 / c.calls, c.server_cpu,
                c.chunks, c.chunks ? c.cpu * 1000 / c.chunks : 0.0, c.sys * 1000 / c.calls, c.wakeups / c.calls);
    if (c.host_timers_cpu >= 0)
      std::printf("  the host's tool timers alone (the same %d due times replayed on an empty precise-timer base):\n"
                  "       %.1f us per call, %.2f wake-ups per call; the library beyond them %.1f us per call,\n"
                  "       %.1f us per chunk\n\n",
                  c.calls, c.host_timers_cpu * 1000 / c.calls, c.host_timers_wakeups / c.calls,
                  (c.cpu - c.host_timers_cpu) * 1000 / c.calls,
                  c.chunks ? (c.cpu - c.host_timers_cpu) * 1000 / c.chunks : 0.0);
    results.push_back(c);
    return true;
  }

  // A first job in the process pays one-time costs (libcurl, lazy binding, page faults).
  bool warm_up() {
    bench::MockProcess server(mockllm, dir + "/job");
    if (!start_server(&server, 1, kChunkGapMs)) return false;
    Outcome out;
    std::string err;
    if (run_job(server.url(), protocol, 1, "safe", false, &out, &err)) return true;
    std::fprintf(stderr, "bench_agent: warm-up: %s\n", err.c_str());
    return false;
  }
};

void usage() {
  std::fprintf(stderr,
               "usage: bench_agent [--protocol openai|anthropic|openai-responses|gemini] "
               "[--case n50|n50_eager_off|n1000|n1000_eager_off|n1000_unpaced|n1000_unpaced_inline]... [--all] [--mockllm PATH]\n");
}

// value * scale in fmt, or null when the value was not measured (< 0).
std::string json_or_null(double value, double scale, const char *fmt) {
  if (value < 0) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, value * scale);
  return buf;
}

struct CaseSpec {
  const char *name;
  int per_round;
  const char *eager;
  int chunk_gap_ms;
  bool by_default;
  bool inline_tools;
};

// "_unpaced": the whole stream at once (chunk_gap 0), so the loop runs hot:
// CPU per call without a wake-up per stream piece.
constexpr CaseSpec kCases[] = {{"n50", 50, "safe", kChunkGapMs, true, false},
                               {"n50_eager_off", 50, "off", kChunkGapMs, true, false},
                               {"n1000", 1000, "safe", kChunkGapMs, true, false},
                               {"n1000_eager_off", 1000, "off", kChunkGapMs, false, false},
                               {"n1000_unpaced", 1000, "safe", 0, true, false},
                               {"n1000_unpaced_inline", 1000, "safe", 0, true, true}};

}  // namespace

int main(int argc, char **argv) {
  Bench b;
  std::vector<std::string> chosen;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--protocol" && i + 1 < argc) b.protocol = argv[++i];
    else if (a == "--case" && i + 1 < argc) chosen.push_back(argv[++i]);
    else if (a == "--all") for (const CaseSpec &c : kCases) chosen.push_back(c.name);
    else if (a == "--mockllm" && i + 1 < argc) b.mockllm = argv[++i];
    else {
      usage();
      return 2;
    }
  }
  if (chosen.empty())
    for (const CaseSpec &c : kCases)
      if (c.by_default) chosen.push_back(c.name);
  for (const std::string &name : chosen) {
    bool known = false;
    for (const CaseSpec &c : kCases) known = known || name == c.name;
    if (!known) {
      usage();
      return 2;
    }
  }
  if (b.protocol != "openai" && b.protocol != "anthropic" && b.protocol != "openai-responses" &&
      b.protocol != "gemini") {
    usage();
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  char tmpl[] = "/tmp/bench_agent.XXXXXX";
  if (!mkdtemp(tmpl)) {
    std::perror("mkdtemp");
    return 1;
  }
  b.dir = tmpl;
  mkdir((b.dir + "/job").c_str(), 0700);
  mkdir((b.dir + "/raw").c_str(), 0700);

  std::printf("bench/agent: protocol %s, scripted server %s (separate processes)\n", b.protocol.c_str(),
              b.mockllm.c_str());
  std::printf("LLM script: ttfb %d ms, chunk_gap %d ms (unpaced: 0), chunk_bytes %d, stream; tools: latency "
              "U{%d..%d} ms on\ntimers of the host's base (precise timers); borrowed loop, event callback\n",
              kTtfbMs, kChunkGapMs, kChunkBytes, kLatMinMs, kLatMaxMs);
  std::printf("Columns, ms from the round's request: llm = request to the response's end as the job saw it "
              "(previous ROUND_DONE\nto USAGE); llm_raw = the same round by libcurl alone against a twin server; "
              "slowest = slowest drawn tool latency;\ntools_started = first..last call handed to the tool; max_run = "
              "slowest measured tool run; round = to ROUND_DONE\n(final: JOB_DONE); bound = later of the response's "
              "end and the last tool's due time; late = round - bound.\n\n");

  int failures = b.warm_up() ? 0 : 1;
  for (const CaseSpec &c : kCases)
    if (std::find(chosen.begin(), chosen.end(), c.name) != chosen.end() && !b.run_case(c.name, c.per_round, c.eager, c.chunk_gap_ms, c.inline_tools))
      failures++;

  for (const CaseResult &c : b.results)
    std::printf("{\"bench\":\"agent\",\"obs\":\"%s\",\"case\":\"%s\",\"protocol\":\"%s\",\"eager_dispatch\":\"%s\",\"calls\":%d,"
                "\"wall_ms\":%.2f,\"critical_path_ms\":%.2f,\"critical_path_raw_ms\":%.2f,\"eager_bound_ms\":%.2f,"
                "\"cpu_ms\":%.2f,\"cpu_us_per_call\":%.2f,\"chunks\":%ld,\"cpu_us_per_chunk\":%.2f,\"stream_cpu_ms\":%.2f,"
                "\"server_cpu_ms\":%.2f,\"sys_us_per_call\":%.2f,\"wakeups_per_call\":%.3f,"
                "\"host_timers_cpu_us_per_call\":%s,\"host_timers_wakeups_per_call\":%s}\n",
                obs_mode(), c.name.c_str(), b.protocol.c_str(), c.eager.c_str(), c.calls, c.wall, c.critical, c.critical_raw,
                c.eager_bound, c.cpu, c.cpu * 1000 / c.calls, c.chunks, c.chunks ? c.cpu * 1000 / c.chunks : 0.0,
                c.stream_cpu, c.server_cpu, c.sys * 1000 / c.calls, c.wakeups / c.calls,
                json_or_null(c.host_timers_cpu, 1000.0 / c.calls, "%.2f").c_str(),
                json_or_null(c.host_timers_wakeups, 1.0 / c.calls, "%.3f").c_str());
  for (const char *sub : {"/job", "/raw"}) {
    unlink((b.dir + sub + "/script.json").c_str());
    unlink((b.dir + sub + "/port").c_str());
    rmdir((b.dir + sub).c_str());
  }
  rmdir(b.dir.c_str());
  curl_global_cleanup();
  return failures ? 1 : 0;
}

// bench/cancel: how long a cancel takes to end the calls and to remove their
// HTTP transfers, for 1 and for 1,000 calls in flight.
//
// HTTP tools (toolorch_tool_set_http) post to a loopback server whose
// endpoint never answers (tests/support/test_http_server.h, on a thread of
// its own in this process). Once the server has received all N requests (so
// every transfer is open and every call is running), the main thread cancels
// the batch (toolorch_batch_cancel, from outside the loop: owned-loop mode,
// where the library runs its own loop thread) and measures from just before
// that call:
//   cancel_to_end:  until the N-th CALL_RESULT (cancelled) reached the
//                   event callback (on the library's thread);
//   transfer_gone:  until the server has seen all N connections closed (its
//                   counter, read by a thread waiting on the server's
//                   condition variable: includes that wake-up, tens of us).
// The watcher thread wakes at every close the server counts; on two cores
// that steals from the library's thread, so cancel_to_end is taken from
// trials without the watcher and transfer_gone from trials with it
// (alternating). Each N runs several times (a fresh batch each; the
// connections of one trial are all closed before the next starts, and one
// warm-up trial is not counted); the medians are reported.
//
// Run by hand: bench_cancel [trials_of_each_kind_for_1000 (default 5)]
// Figures for people first, then one JSON line.
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <toolorch/toolorch.h>

#include "test_http_server.h"

using toolorch::test::HttpBehaviour;
using toolorch::test::HttpServerCounters;
using toolorch::test::TestHttpServer;

namespace {

double now_us() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

// Two descriptors per call here (the library's socket and the server's) and
// some to spare.
bool raise_fd_limit(rlim_t want) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return false;
  if (rl.rlim_cur >= want) return true;
  rl.rlim_cur = std::min(want, rl.rlim_max);
  return setrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur >= want;
}

// What the event callback (library thread) records for one trial.
struct Trial {
  std::mutex mu;
  std::condition_variable cv;
  int expected = 0, results = 0, cancelled = 0;
  bool batch_done = false;
  double t_last_result = 0;
};

void on_event(const toolorch_event *ev, void *) {
  auto *t = static_cast<Trial *>(toolorch_event_userdata(ev));
  if (!t) return;
  const int type = toolorch_event_type_of(ev);
  if (type != TOOLORCH_EVENT_CALL_RESULT && type != TOOLORCH_EVENT_BATCH_DONE) return;
  const double at = now_us();
  std::lock_guard<std::mutex> lock(t->mu);
  if (type == TOOLORCH_EVENT_CALL_RESULT) {
    t->results++;
    if (toolorch_event_call_state(ev) == TOOLORCH_CALL_CANCELLED) t->cancelled++;
    if (t->results == t->expected) t->t_last_result = at;
  } else {
    t->batch_done = true;
  }
  // Wake the main thread once, at the end, not for every result.
  if (t->results == t->expected && t->batch_done) t->cv.notify_all();
}

struct Sample {
  double to_end_us = -1, gone_us = -1;
};

class Bench {
 public:
  bool start(std::string *err) {
    server_.set("/hang", HttpBehaviour::hang());
    if (!server_.start(err)) return false;
    toolorch_opts *o = toolorch_opts_new();
    toolorch_opts_set_int(o, "max_parallel_tools", 1000);
    toolorch_opts_set_int(o, "tool_timeout_ms", 120000);
    int status = 0;
    ctx_ = toolorch_new(o, &status);
    toolorch_opts_free(o);
    if (!ctx_) {
      *err = std::string("toolorch_new: ") + toolorch_strerror(status);
      return false;
    }
    toolorch_set_event_fn(ctx_, on_event, nullptr);
    toolorch_tool *t = toolorch_tool_new("hang");
    toolorch_tool_set_http(t, server_.url("/hang").c_str());
    toolorch_tool_set_flags(t, TOOLORCH_TOOL_SIDE_EFFECT_FREE);
    status = toolorch_register_tool(ctx_, t);
    toolorch_tool_free(t);
    if (status != TOOLORCH_OK) {
      *err = std::string("register: ") + toolorch_strerror(status);
      return false;
    }
    return true;
  }

  ~Bench() {
    if (ctx_) toolorch_free(ctx_);
    server_.stop();
  }

  // One trial: n calls running, then a cancel; with `watch`, a thread also
  // times the server's view. False (with *err) on a failure, e.g. a call
  // that did not end as cancelled.
  bool trial(int n, bool watch, Sample *out, std::string *err) {
    const HttpServerCounters before = server_.counters();
    Trial t;
    t.expected = n;
    toolorch_batch *batch = toolorch_batch_new(ctx_, &t);
    char args[32];
    for (int i = 0; i < n; ++i) {
      std::snprintf(args, sizeof args, "{\"i\":%d}", i);
      toolorch_batch_add(batch, "hang", args, nullptr);
    }
    toolorch_batch_submit(batch);
    bool ok = server_.wait_until([&](const HttpServerCounters &c) { return c.requests >= before.requests + n; },
                                 std::chrono::seconds(60));
    if (!ok) {
      *err = "the server did not see " + std::to_string(n) + " requests within 60 s";
      toolorch_batch_free(batch);
      return false;
    }
    const int64_t running = toolorch_stat(ctx_, "running");

    // The watcher waits on the server's condition variable from now on.
    std::atomic<double> t_gone{-1};
    std::thread watcher;
    if (watch)
      watcher = std::thread([&] {
        if (server_.wait_until(
                [&](const HttpServerCounters &c) { return c.connections_closed >= before.connections_closed + n; },
                std::chrono::seconds(60)))
          t_gone = now_us();
      });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let it block first; quiet loop

    const double t0 = now_us();
    toolorch_batch_cancel(batch);
    {
      std::unique_lock<std::mutex> lock(t.mu);
      ok = t.cv.wait_for(lock, std::chrono::seconds(60), [&] { return t.results == n && t.batch_done; });
    }
    // Every connection closed before the next trial, watched or not.
    bool all_closed;
    if (watch) {
      watcher.join();
      all_closed = t_gone >= 0;
    } else {
      all_closed = server_.wait_until(
          [&](const HttpServerCounters &c) { return c.connections_closed >= before.connections_closed + n; },
          std::chrono::seconds(60));
    }
    out->to_end_us = t.t_last_result - t0;
    out->gone_us = watch ? t_gone - t0 : -1;
    toolorch_batch_free(batch);

    if (running != n) *err = "expected " + std::to_string(n) + " calls running, saw " + std::to_string(running);
    else if (!ok) *err = "not every call ended within 60 s of the cancel";
    else if (t.cancelled != n) *err = std::to_string(n - t.cancelled) + " calls did not end as cancelled";
    else if (!all_closed) *err = "the server did not see every connection close within 60 s";
    return err->empty();
  }

 private:
  TestHttpServer server_;
  toolorch_ctx *ctx_ = nullptr;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

int main(int argc, char **argv) {
  const int trials_1000 = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  const int trials_1 = 21;  // of each kind
  if (!raise_fd_limit(4096)) {
    std::fprintf(stderr, "bench_cancel: cannot raise RLIMIT_NOFILE to 4096\n");
    return 1;
  }
  Bench bench;
  std::string err;
  if (!bench.start(&err)) {
    std::fprintf(stderr, "bench_cancel: %s\n", err.c_str());
    return 1;
  }
  std::printf("bench/cancel: HTTP tools against a loopback endpoint that never answers; owned-loop mode,\n"
              "toolorch_batch_cancel from the main thread once the server holds every request.\n"
              "to_end = cancel -> last CALL_RESULT (cancelled); gone = cancel -> server saw every connection close.\n");

  double med_end[2] = {0, 0}, med_gone[2] = {0, 0};
  const int sizes[2] = {1, 1000};
  for (int k = 0; k < 2; ++k) {
    const int n = sizes[k], trials = n == 1 ? trials_1 : trials_1000;
    std::vector<double> ends, gones;
    {
      Sample warm;  // the first transfers pay for connection set-up paths; not counted
      if (!bench.trial(n, true, &warm, &err)) {
        std::fprintf(stderr, "bench_cancel: %d calls: %s\n", n, err.c_str());
        return 1;
      }
    }
    for (int i = 0; i < 2 * trials; ++i) {
      const bool watch = i % 2 == 1;
      Sample s;
      if (!bench.trial(n, watch, &s, &err)) {
        std::fprintf(stderr, "bench_cancel: %d calls: %s\n", n, err.c_str());
        return 1;
      }
      (watch ? gones : ends).push_back(watch ? s.gone_us : s.to_end_us);
    }
    med_end[k] = median(ends);
    med_gone[k] = median(gones);
    std::printf("%5d calls in flight, %2d+%2d trials: to_end median %9.1f us (min %9.1f, max %9.1f, %.2f us/call); "
                "gone median %9.1f us (min %9.1f, max %9.1f)\n",
                n, trials, trials, med_end[k], *std::min_element(ends.begin(), ends.end()),
                *std::max_element(ends.begin(), ends.end()), med_end[k] / n, med_gone[k],
                *std::min_element(gones.begin(), gones.end()), *std::max_element(gones.begin(), gones.end()));
  }
  std::printf("{\"bench\":\"cancel\",\"cancel_to_end_us_1\":%.1f,\"cancel_to_end_us_1000\":%.1f,"
              "\"transfer_gone_us_1\":%.1f,\"transfer_gone_us_1000\":%.1f}\n",
              med_end[0], med_end[1], med_gone[0], med_gone[1]);
  return 0;
}

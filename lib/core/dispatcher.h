// The dispatcher moves calls through their life:
//   pending -> waiting (for a slot) -> running -> succeeded | failed | cancelled | timed out
// under the global cap (max_parallel_tools) and each tool's own cap, in FIFO
// order of submission, each call with a deadline covering waiting and
// running. Every end is reached exactly once, on the loop thread; a tool's
// completion that arrives after the end is dropped and counted.
#pragma once

#include <random>
#include <deque>
#include <set>
#include <string_view>
#include <vector>
#include <unordered_set>
#include <utility>

#include "core/call.h"
#include "core/deadlines.h"
#include "core/event.h"
#include "core/options.h"
#include "core/stats.h"
#include "core/tool_registry.h"
#include "json/flat.h"
#include "loop/scheduler.h"
#include "limits/rate_limits.h"
#include "obs/observer.h"

namespace toolorch::core {

class Dispatcher {
 public:
  struct Env {
    loop::Scheduler *sched;
    EventSink *sink;         // CALL_STARTED events
    ToolRegistry *registry;
    const CoreOptions *opts;
    Stats *stats;
    // Where results are held (core/result_store.h); null: a store of the
    // dispatcher's own, without budget or compression.
    std::shared_ptr<ResultStore> results = nullptr;
  };
  explicit Dispatcher(Env env);
  ~Dispatcher();
  Dispatcher(const Dispatcher &) = delete;
  Dispatcher &operator=(const Dispatcher &) = delete;

  // A fresh call (refcount 1, owned by the caller). Any thread. An empty id
  // is generated: "call_<n>" of its sequence number. The texts are copied
  // into the call (the arguments may be moved in).
  Call *new_call(std::string_view id, std::string_view tool_name, std::string_view args);
  Call *new_call(std::string_view id, std::string_view tool_name, std::string &&args);
  // Another generated id, of a fresh sequence number. Any thread.
  std::string new_id() {
    char buf[kIdRoom];
    return std::string(generated_id(next_seq_.fetch_add(1, std::memory_order_relaxed), buf));
  }

  // Loop thread. Start a call's life; it ends through owner->on_call_ended.
  // userdata/source are copied into the events about this call.
  void submit(Call *call, CallOwner *owner, void *userdata, void *source, int source_kind);

  // Loop thread. Hand a call straight to `tool`'s runner, as a host request
  // (Call::host_request): no registry lookup, argument check, slot, permits,
  // deadline of its own or CALL_STARTED event. Used for what the library asks
  // of the host inside another call -- a chain step's computed arguments --
  // so that it is answered and released exactly as an external tool's call
  // is: finish_call / fail_call from any thread (OK, EALREADY, ELATE),
  // end_call telling the runner, owner->on_call_ended once, the runner's
  // reference dropped at shutdown if never answered.
  void hand_out(Call *call, std::shared_ptr<Tool> tool, CallOwner *owner, void *userdata, void *source,
                int source_kind);

  // Loop thread. End a call that has not ended yet; false if it had.
  // The text is moved from (a success's result, or why it ended).
  bool end_call(Call *call, int state, int status, std::string &&text);
  bool cancel(Call *call) { return end_call(call, TOOLORCH_CALL_CANCELLED, TOOLORCH_ECANCELLED, "cancelled"); }

  // Any thread: the tool's completion (ok) or failure. OK, EALREADY or ELATE.
  // Runners use finish_call / fail_call (core/tool_runner.h), which land here.
  // retry_after_ms >= 0: the tool's server asked to wait that long (an HTTP
  // Retry-After): a retry starts no earlier; one past kMaxRetryAfterMs or
  // the call's deadline is not attempted.
  // The text is moved from.
  int tool_finish(Call *call, bool ok, std::string &&text, unsigned fail_flags = 0, int64_t retry_after_ms = -1);
  // Any thread: the tool gives up a call that has ended (it was cancelled)
  // without a result; unlike a late completion this is not counted.
  void tool_abandon(Call *call);

  // Loop thread, RAII. While one lives, a slot freed by an ending call is
  // not handed to a waiting call; the last one to go hands them out. Wrap
  // the ending of many calls at once (a job, batch or group cancelled) in
  // one, so that a call about to be cancelled too never reaches its tool
  // (never gets CALL_STARTED, never counts in calls_started) in between.
  class PumpHold {
   public:
    explicit PumpHold(Dispatcher *d) : d_(d) { ++d_->holds_; }
    ~PumpHold() {
      if (--d_->holds_ > 0) return;
      try {
        d_->pump();
      } catch (...) {
        // Out of memory starting a call: the next end or submit pumps again.
      }
    }
    PumpHold(const PumpHold &) = delete;
    PumpHold &operator=(const PumpHold &) = delete;

   private:
    Dispatcher *d_;
  };

  // Loop thread: end nothing further, drop every reference held for tools
  // and queues. Used when the context goes away.
  void shutdown();

  // Loop thread. A guess (call->speculative) taken over by a real call: from
  // now on it is an ordinary call (it waits among real calls, and is no
  // longer cancelled to free a slot).
  void promote(Call *call);

  loop::Scheduler *sched() const { return env_.sched; }
  Stats *stats() const { return env_.stats; }
  EventSink *sink() const { return env_.sink; }
  // Calls of tools with a service (and every call, for a global limit)
  // first wait for their permits here. Loop thread, before any work.
  void set_limits(limits::RateLimits *limits) { limits_ = limits; }
  // Metrics and traces of calls (and of the jobs and batches above) go
  // here; null: not observed. Loop thread, before any work.
  void set_observer(obs::Observer *o) { obs_ = o; }
  obs::Observer *observer() const { return obs_; }
  ToolRegistry *registry() const { return env_.registry; }
  const CoreOptions &opts() const { return *env_.opts; }
  ResultStore &results() const { return *results_; }

 private:
  static constexpr size_t kIdRoom = 5 + 20;  // "call_" and a uint64_t
  static std::string_view generated_id(uint64_t seq, char (&buf)[kIdRoom]);
  template <class Args>
  Call *make_call(std::string_view id, std::string_view tool_name, Args &&args);
  void fail_now(Call *call, int status, std::string text);
  bool validate_args(Call *call, const Tool &tool);
  void make_ready(Tool *tool);
  // A slot of max_parallel_tools is free.
  bool slot_free() const;
  // The tool runs as many calls as its own cap allows (max_parallel; 0: none).
  static bool at_own_cap(const Tool &tool);
  void pump();
  bool start_or_expire(CallRef call);
  void enqueue(Call *call);
  void on_permit(Call *call, int status, loop::Micros waited_us);
  void start(CallRef call);
  void on_deadline(Call *call);
  void run_tool(Call *call);
  void hold_for_tool(Call *call);   // the tool's reference, until it answers or shutdown
  bool drop_tool_hold(Call *call);  // false if not held; the reference is the caller's
  void tell_runner_ended(Call *call, int status);
  void on_tool_finished(Call *call, bool ok, std::string &&text, unsigned fail_flags, int64_t retry_after_ms);
  bool retry_later(Call *call, unsigned fail_flags, std::string &text, int64_t retry_after_ms);
  void release_slot(Call *call);
  void emit_about(Call *call, int type);
  void serve_guesses();
  bool preempt_guess(Tool *tool);

  Env env_;
  std::shared_ptr<ResultStore> results_;
  std::atomic<uint64_t> next_seq_{1};
  int running_ = 0;
  // Tools with waiting calls and a free slot of their own, by the
  // submission order of their first waiting call: FIFO across tools.
  // A min-heap (std::push_heap with std::greater): no allocation per entry.
  std::vector<std::pair<uint64_t, Tool *>> ready_;
  std::shared_ptr<Tool> last_tool_;
  Deadlines deadlines_;  // every submitted call's, one timer per timeout duration
  json::FlatDoc args_doc_;  // validate_args' reader, kept to be reused (loop thread)
  limits::RateLimits *limits_ = nullptr;
  obs::Observer *obs_ = nullptr;
  std::mt19937_64 rng_{std::random_device{}()};  // batches repeat one tool: skip the registry's lock
  // Calls whose tool owes a completion (each holds a reference), each at
  // its Call::tool_held_index: added and removed in O(1), no allocation.
  std::vector<Call *> tool_held_;
  // Guesses wait apart from real calls, served only when no real call is
  // ready; running guesses are the slots a blocked real call may take.
  std::deque<CallRef> guesses_waiting_;
  std::vector<Call *> guesses_running_;
  std::vector<Tool *> preempt_for_;       // tools at their cap with real calls waiting
  bool pumping_ = false, pump_again_ = false, shut_down_ = false;
  int holds_ = 0;  // live PumpHolds
};

}  // namespace toolorch::core

// One tool call: its identity, its arguments, and the state it moves through.
// State changes only on the loop thread; the tool may finish the call from
// any thread, which the `tool_finished` flag makes exactly-once.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/codes.h"
#include "core/deadlines.h"
#include "core/result_store.h"

#include "loop/scheduler.h"
#include "obs/observer.h"

namespace toolorch::core {

class Tool;
class CallOwner;
class Dispatcher;
class Group;

// Its deadline is watched through the DeadlineEntry base (core/deadlines.h:
// the dispatcher's one timer per timeout duration).
//
// Every call lives from its submission to its batch's or job's end, so its
// size is memory touched per call: what only some calls use (an end
// message, later ids, a retry timer, rate-limit and speculation state, a
// group's score) is in a side block (Extra) made the first time one of
// them is set, and the cancel hook is a pointer, set only by tools that
// have one. Calls are cells of an obs::CellPool (core/call.cc), like events.
class Call : public DeadlineEntry {
 public:
  // Copies the texts; `args` may be moved in.
  Call(uint64_t seq, std::string_view id, std::string_view tool_name, std::string_view args);
  Call(uint64_t seq, std::string_view id, std::string_view tool_name, std::string &&args);
  Call(const Call &) = delete;
  Call &operator=(const Call &) = delete;

  static void *operator new(size_t n);
  static void operator delete(void *p) noexcept;

  // Intrusive reference count: the owner (batch or job), the tool (from the
  // moment it gets the call until it completes it), queued events and posted
  // work each hold one.
  void ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  // The id may change once, on the loop thread, when a speculative call is
  // taken over by the model's real call: earlier ids stay alive (events
  // already queued may still read them), so readers never see freed text.
  const std::string &id() const { return *id_.load(std::memory_order_acquire); }
  void set_id(std::string id);
  const std::string &tool_name() const { return tool_name_; }
  // The call this one runs for (a chain's step: the chain's call), or null.
  // Set once, before submission; the parent is kept alive (referenced)
  // while this call lives, so events can name it.
  void set_parent(Call *parent);
  Call *parent() const { return parent_; }
  const std::string &args() const { return args_; }
  uint64_t seq() const { return seq_; }

  int state() const { return state_.load(std::memory_order_acquire); }
  bool ended() const { return state() >= TOOLORCH_CALL_SUCCEEDED; }
  // Loop thread only.
  void set_state(int s) { state_.store(s, std::memory_order_release); }

  // A retry hands the call to its tool again: it may finish it once more.
  // The last attempt's cancel hook goes: it belongs to work that is over.
  void reopen_for_retry();
  // The tool's one chance to finish the call: true for the first caller.
  bool claim_tool_finish() {
    bool expected = false;
    return tool_finished_.compare_exchange_strong(expected, true, std::memory_order_acq_rel);
  }
  bool tool_finished() const { return tool_finished_.load(std::memory_order_acquire); }

  // What to run if the call ends without its tool's result (cancelled or
  // timed out), so the tool can stop its work: an HTTP tool removes its
  // transfer, a command tool kills its process, a C tool's cancel function
  // runs. Any thread may set it; it runs once, on the loop thread.
  // ELATE if the call has ended already (then it is not kept).
  int set_cancel_hook(std::function<void()> hook);
  // Loop thread, by the dispatcher as the call ends: take the hook (none
  // can be set after this).
  std::function<void()> take_cancel_hook();

  // Loop-thread fields, set by the dispatcher.
  std::shared_ptr<Tool> tool;             // null if the tool is unknown
  CallOwner *owner = nullptr;             // batch or job; null once detached
  Dispatcher *finisher = nullptr;         // where the tool's completion goes
  void *event_userdata = nullptr;         // copied into the events about this call
  void *event_source = nullptr;           // the batch/job handle, for identity
  loop::Micros submitted_us = 0, started_us = 0, ended_us = 0, deadline_us = 0;
  size_t tool_held_index = 0;             // where in the dispatcher's list of those
  int event_source_kind = 0;              // kSourceBatch / kSourceJob (core/event.h)
  int attempts = 0;
  int end_status = 0;                     // toolorch_status of the end
  unsigned fail_flags = 0;                // TOOLORCH_FAIL_* of the last failure
  bool holds_slot = false;                // counted in the running totals
  bool tool_holds_ref = false;            // the tool has it and owes a completion
  bool limit_granted = false;             // holds permits (a concurrency slot to release)
  bool cancel_requested = false;          // cancelled before it was submitted
  // Not a tool call but a request the library makes of the host inside one
  // (a chain step's computed arguments: Dispatcher::hand_out). It ends like
  // a call, but holds no slot or permit and is not counted or observed.
  bool host_request = false;
  // Speculation (core/speculation.h): a guess runs before the model asked
  // for it; it yields its slot to real calls and never reaches the model
  // unless a real call takes it over (then `speculative` is cleared).
  bool speculative = false;

 private:
  std::atomic<bool> tool_finished_{false};  // here: in the flags' padding

 public:
  // How it ended. A success's result is held once in the result store
  // (core/result_store.h) and shared by the events and the job's transcript;
  // end_message() says why a call failed, timed out or was cancelled ("" on
  // success). text() gives either as bytes.
  ResultRef result;
  const std::string &end_message() const { return extra_or_none().end_message; }
  void set_end_message(std::string &&text);
  // The result (read back from the store: a copy) or the end message.
  std::string text() const;
  Group *group = nullptr;                 // the branch group it belongs to, if any
  obs::CallObs obs;                       // the observer's state for this call (metrics, span)

  // Rarely set, kept in the side block (loop thread, like the fields above).
  // The id the model gave this call last, when a retried LLM request took
  // the call over under a new id ("" = id()). Events copy it, so every
  // event after the takeover carries the id the transcript uses; id() stays
  // what the tool was handed (other threads read it).
  const std::string &event_id() const { return extra_or_none().event_id; }
  void set_event_id(std::string id);
  // Its result's score (groups with a scorer).
  double score() const { return extra_or_none().score; }
  void set_score(double s) { extra().score = s; }
  // Waiting for rate-limit permits: the ticket (0 = none).
  uint64_t limit_ticket() const { return extra_or_none().limit_ticket; }
  void set_limit_ticket(uint64_t t) {
    if (t || extra_.load(std::memory_order_relaxed)) extra().limit_ticket = t;
  }
  // toolorch_speculation_kind of a guess taken over by a real call (0: not).
  int taken_over() const { return extra_or_none().taken_over; }
  void set_taken_over(int kind) { extra().taken_over = kind; }
  // The timer of its retries' backoff: made on the first retry.
  std::unique_ptr<loop::Timer> &retry_timer() { return extra().retry_timer; }
  void drop_retry_timer() {
    if (Extra *e = extra_.load(std::memory_order_relaxed)) e->retry_timer.reset();
  }

 private:
  struct Extra {
    std::string end_message;
    std::string event_id;
    // Every id after the first (set_id): all kept.
    std::vector<std::unique_ptr<std::string>> ids;
    std::unique_ptr<loop::Timer> retry_timer;
    uint64_t limit_ticket = 0;
    double score = 0;
    int taken_over = 0;
  };
  // The side block is made on the loop thread; other threads read it
  // (end_message) only through events made after it was set, but it may be
  // made later for another field, hence the atomic pointer.
  Extra &extra();
  static const Extra kNoExtra;  // what a call without a side block reads
  const Extra &extra_or_none() const {
    const Extra *e = extra_.load(std::memory_order_acquire);
    return e ? *e : kNoExtra;
  }
  // The cancel hook: null, a hook, or kHookClosed once taken.
  struct Hook {
    std::function<void()> fn;
  };
  static Hook kHookClosed;

  ~Call();
  std::atomic<int> refs_{1};
  std::atomic<int> state_{TOOLORCH_CALL_PENDING};
  Call *parent_ = nullptr;  // referenced
  uint64_t seq_;
  std::atomic<const std::string *> id_;
  std::atomic<Extra *> extra_{nullptr};
  std::atomic<Hook *> hook_{nullptr};
  std::string first_id_;  // the id it was made with (later ones: Extra::ids)
  std::string tool_name_, args_;
};

// A counted reference to a Call.
class CallRef {
 public:
  CallRef() = default;
  explicit CallRef(Call *c, bool adopt = false) : c_(c) {
    if (c_ && !adopt) c_->ref();
  }
  CallRef(const CallRef &o) : c_(o.c_) {
    if (c_) c_->ref();
  }
  CallRef(CallRef &&o) noexcept : c_(o.c_) { o.c_ = nullptr; }
  CallRef &operator=(CallRef o) noexcept {
    std::swap(c_, o.c_);
    return *this;
  }
  ~CallRef() {
    if (c_) c_->unref();
  }
  Call *get() const { return c_; }
  Call *operator->() const { return c_; }
  Call &operator*() const { return *c_; }
  explicit operator bool() const { return c_ != nullptr; }
  Call *release() {
    Call *c = c_;
    c_ = nullptr;
    return c;
  }

 private:
  Call *c_ = nullptr;
};

// Who learns of a call's end: a batch or a job. Loop thread only.
class CallOwner {
 public:
  virtual ~CallOwner() = default;
  virtual void on_call_ended(Call *call) = 0;
};

const char *state_name(int state);

}  // namespace toolorch::core

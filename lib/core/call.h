// One tool call: its identity, its arguments, and the state it moves through.
// State changes only on the loop thread; the tool may finish the call from
// any thread, which the `tool_finished` flag makes exactly-once.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
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
class Call : public DeadlineEntry {
 public:
  Call(uint64_t seq, std::string id, std::string tool_name, std::string args);
  Call(const Call &) = delete;
  Call &operator=(const Call &) = delete;

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
  void reopen_for_retry() {
    {
      std::lock_guard<std::mutex> lk(hook_mu_);
      cancel_hook_ = nullptr;
    }
    tool_finished_.store(false, std::memory_order_release);
  }
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
  // Loop thread, by the dispatcher as the call ends: take the hook.
  std::function<void()> take_cancel_hook();

  // Loop-thread fields, set by the dispatcher.
  std::shared_ptr<Tool> tool;             // null if the tool is unknown
  CallOwner *owner = nullptr;             // batch or job; null once detached
  Dispatcher *finisher = nullptr;         // where the tool's completion goes
  void *event_userdata = nullptr;         // copied into the events about this call
  void *event_source = nullptr;           // the batch/job handle, for identity
  int event_source_kind = 0;              // kSourceBatch / kSourceJob (core/event.h)
  loop::Micros submitted_us = 0, started_us = 0, ended_us = 0, deadline_us = 0;
  int attempts = 0;
  bool holds_slot = false;                // counted in the running totals
  bool tool_holds_ref = false;            // the tool has it and owes a completion
  size_t tool_held_index = 0;             // where in the dispatcher's list of those
  int end_status = 0;                     // toolorch_status of the end
  // How it ended. A success's result is held once in the result store
  // (core/result_store.h) and shared by the events and the job's transcript;
  // end_message says why a call failed, timed out or was cancelled ("" on
  // success). text() gives either as bytes.
  std::string end_message;
  ResultRef result;
  // The result (read back from the store: a copy) or the end message.
  std::string text() const;
  unsigned fail_flags = 0;                // TOOLORCH_FAIL_* of the last failure
  Group *group = nullptr;                 // the branch group it belongs to, if any
  double score = 0;                       // its result's score (groups with a scorer)
  std::unique_ptr<loop::Timer> retry_timer;
  uint64_t limit_ticket = 0;              // waiting for rate-limit permits
  bool limit_granted = false;             // holds permits (a concurrency slot to release)
  bool cancel_requested = false;          // cancelled before it was submitted
  // Not a tool call but a request the library makes of the host inside one
  // (a chain step's computed arguments: Dispatcher::hand_out). It ends like
  // a call, but holds no slot or permit and is not counted or observed.
  bool host_request = false;
  obs::CallObs obs;                       // the observer's state for this call (metrics, span)
  // The id the model gave this call last, when a retried LLM request took
  // the call over under a new id ("" = id()). Events copy it, so every
  // event after the takeover carries the id the transcript uses; id() stays
  // what the tool was handed (other threads read it).
  std::string event_id;
  // Speculation (core/speculation.h): a guess runs before the model asked
  // for it; it yields its slot to real calls and never reaches the model
  // unless a real call takes it over (then `speculative` is cleared).
  bool speculative = false;
  int taken_over = 0;                     // toolorch_speculation_kind of a taken-over call
  loop::Micros taken_over_us = 0;

 private:
  ~Call();
  std::atomic<int> refs_{1};
  Call *parent_ = nullptr;  // referenced
  uint64_t seq_;
  std::atomic<const std::string *> id_;
  // The id it was made with, and every later one (set_id): all kept.
  std::string first_id_;
  std::vector<std::unique_ptr<std::string>> ids_;  // loop thread only
  std::string tool_name_, args_;
  std::atomic<int> state_{TOOLORCH_CALL_PENDING};
  std::atomic<bool> tool_finished_{false};
  std::mutex hook_mu_;
  std::function<void()> cancel_hook_;  // guarded by hook_mu_
  bool hook_closed_ = false;           // guarded by hook_mu_
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

#include "core/dispatcher.h"

#include "core/result_limits.h"

#include "core/codes.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <exception>
#include <functional>

#include "core/group.h"
#include "json/schema.h"

namespace toolorch::core {

Dispatcher::Dispatcher(Env env)
    : env_(env),
      results_(env_.results ? env_.results : ResultStore::create(ResultStoreConfig())),
      deadlines_(env_.sched, [this](DeadlineEntry *e) { on_deadline(static_cast<Call *>(e)); }) {}

int finish_call(Call &call, std::string result) {
  if (!call.finisher) return TOOLORCH_ESTATE;
  return call.finisher->tool_finish(&call, true, std::move(result));
}

int fail_call(Call &call, std::string message, unsigned flags, int64_t retry_after_ms) {
  if (!call.finisher) return TOOLORCH_ESTATE;
  return call.finisher->tool_finish(&call, false, std::move(message), flags, retry_after_ms);
}

void abandon_call(Call &call) {
  if (call.finisher) call.finisher->tool_abandon(&call);
}

Dispatcher::~Dispatcher() { shutdown(); }

std::string_view Dispatcher::generated_id(uint64_t seq, char (&buf)[kIdRoom]) {
  std::memcpy(buf, "call_", 5);
  char *end = std::to_chars(buf + 5, buf + kIdRoom, seq).ptr;
  return std::string_view(buf, static_cast<size_t>(end - buf));
}

template <class Args>
Call *Dispatcher::make_call(std::string_view id, std::string_view tool_name, Args &&args) {
  uint64_t seq = next_seq_.fetch_add(1, std::memory_order_relaxed);
  char buf[kIdRoom];
  if (id.empty()) id = generated_id(seq, buf);
  return new Call(seq, id, tool_name, std::forward<Args>(args));
}

Call *Dispatcher::new_call(std::string_view id, std::string_view tool_name, std::string_view args) {
  return make_call(id, tool_name, args);
}

Call *Dispatcher::new_call(std::string_view id, std::string_view tool_name, std::string &&args) {
  return make_call(id, tool_name, std::move(args));
}

void Dispatcher::fail_now(Call *call, int status, std::string text) {
  end_call(call, TOOLORCH_CALL_FAILED, status, std::move(text));
}

bool Dispatcher::validate_args(Call *call, const Tool &tool) {
  const CoreOptions &o = *env_.opts;
  json::Limits limits;
  limits.max_bytes = static_cast<size_t>(o.max_args_bytes);
  limits.max_depth = o.max_json_depth;
  // The common case, valid arguments, without a cJSON document; anything
  // else takes the full path below, which reports what is wrong. When any
  // object will do, nothing is stored: a check of the syntax, and the top
  // value's type.
  if (tool.any_object()) {
    json::FlatDoc::Type top = json::FlatDoc::Type::kNull;
    if (args_doc_.check(call->args(), limits.max_bytes, limits.max_depth, &top) && top == json::FlatDoc::Type::kObject)
      return true;
  } else {
    const bool surely =
        args_doc_.parse(call->args(), limits.max_bytes, limits.max_depth) && tool.surely_valid(args_doc_);
    args_doc_.trim();  // kept for the context's life: a huge argument document is not
    if (surely) return true;
  }
  std::string err;
  json::ParseError why;
  json::Ptr args = json::parse(call->args(), limits, &err, &why);
  if (!args) {
    int status = why == json::ParseError::kSyntax ? TOOLORCH_EJSON : TOOLORCH_ETOOBIG;
    fail_now(call, status, "arguments of tool \"" + tool.name() + "\" rejected: " + err);
    return false;
  }
  if (!json::validate(tool.schema(), args.get(), &err)) {
    fail_now(call, TOOLORCH_ESCHEMA,
             "arguments of tool \"" + tool.name() + "\" do not match its schema: " + err);
    return false;
  }
  return true;
}

void Dispatcher::submit(Call *call, CallOwner *owner, void *userdata, void *source, int source_kind) {
  call->owner = owner;
  call->finisher = this;
  call->event_userdata = userdata;
  call->event_source = source;
  call->event_source_kind = source_kind;
  call->submitted_us = env_.sched->now_us();
  call->obs.waiting_since_us = call->submitted_us;
  env_.stats->calls_submitted.fetch_add(1, std::memory_order_relaxed);
  if (call->ended()) return;  // never brought back to life
  if (call->cancel_requested) {
    end_call(call, TOOLORCH_CALL_CANCELLED, TOOLORCH_ECANCELLED, "cancelled");
    return;
  }
  if (shut_down_) {
    end_call(call, TOOLORCH_CALL_CANCELLED, TOOLORCH_ECLOSED, "the context is shutting down");
    return;
  }
  if (last_tool_ && last_tool_->name() == call->tool_name()) {
    call->tool = last_tool_;
  } else {
    call->tool = env_.registry->find(call->tool_name());
    if (call->tool) last_tool_ = call->tool;
  }
  if (!call->tool) {
    fail_now(call, TOOLORCH_EUNKNOWN_TOOL, "unknown tool \"" + call->tool_name() + "\"");
    return;
  }
  Tool *tool = call->tool.get();
  if (!validate_args(call, *tool)) return;

  int64_t timeout_ms = tool->spec().timeout_ms > 0 ? tool->spec().timeout_ms : env_.opts->tool_timeout_ms;
  call->deadline_us = call->submitted_us + timeout_ms * 1000;
  if (!deadlines_.add(call, timeout_ms * 1000, call->deadline_us)) {
    fail_now(call, TOOLORCH_EIO, "cannot create a timer for the call's deadline");
    return;
  }

  call->set_state(TOOLORCH_CALL_WAITING);
  env_.stats->waiting.fetch_add(1, std::memory_order_relaxed);
  if (limits_) {
    // Permits first, then a slot: a call waiting on its service's rate
    // does not hold a slot that calls of other services could use.
    CallRef keep(call);
    limits::RateLimits::Ticket ticket = 0;
    int rc = limits_->acquire(tool->spec().service, 1.0, call->deadline_us,
                              [this, keep](int status, loop::Micros waited) { on_permit(keep.get(), status, waited); },
                              &ticket);
    if (rc == TOOLORCH_EAGAIN && call->speculative) {
      // A guess never queues for permits (a real call could queue behind
      // it): it gives up unless they are free now.
      limits_->cancel(ticket);
      end_call(call, TOOLORCH_CALL_CANCELLED, TOOLORCH_ERATELIMITED,
               "guess dropped: no rate-limit permit free for service \"" + tool->spec().service + "\"");
      return;
    }
    if (rc == TOOLORCH_EAGAIN) {
      call->set_limit_ticket(ticket);
      if (env_.opts->emit_progress_events) {
        EventPtr ev = event_about(call, TOOLORCH_EVENT_RATE_LIMIT_WAIT);
        ev->text = tool->spec().service;
        env_.sink->emit(std::move(ev));
      }
      return;
    }
    if (rc != TOOLORCH_OK && call->speculative) {
      end_call(call, TOOLORCH_CALL_CANCELLED, TOOLORCH_ERATELIMITED, "guess dropped: rate limit refused it");
      return;
    }
    if (rc != TOOLORCH_OK) {
      fail_now(call, rc, limits::RateLimits::refusal_text(rc, tool->spec().service, "call"));
      return;
    }
    call->limit_granted = true;
  }
  enqueue(call);
}

void Dispatcher::hand_out(Call *call, std::shared_ptr<Tool> tool, CallOwner *owner, void *userdata, void *source,
                          int source_kind) {
  call->owner = owner;
  call->finisher = this;
  call->event_userdata = userdata;
  call->event_source = source;
  call->event_source_kind = source_kind;
  call->host_request = true;
  call->tool = std::move(tool);
  call->submitted_us = call->started_us = env_.sched->now_us();
  if (call->ended()) return;
  if (call->cancel_requested || shut_down_) {
    end_call(call, TOOLORCH_CALL_CANCELLED, shut_down_ ? TOOLORCH_ECLOSED : TOOLORCH_ECANCELLED,
             shut_down_ ? "the context is shutting down" : "cancelled");
    return;
  }
  call->set_state(TOOLORCH_CALL_RUNNING);
  call->attempts = 1;
  // The runner's reference, as in start(): released by its answer or at shutdown.
  hold_for_tool(call);
  run_tool(call);
}

void Dispatcher::enqueue(Call *call) {
  if (call->speculative) {
    guesses_waiting_.emplace_back(call);
    pump();
    return;
  }
  Tool *tool = call->tool.get();
  if (!pumping_ && holds_ == 0 && !shut_down_ && ready_.empty() && tool->waiting.empty() && slot_free() &&
      !at_own_cap(*tool)) {
    // Nothing waits and a slot is free: started now, as pump() would start
    // it, without the round trip through the tool's queue and the ready
    // heap. Marked as pumping, so what the start causes (a synchronous end,
    // a callback submitting more) is flattened into the pump() below.
    pumping_ = true;
    start_or_expire(CallRef(call));
    pumping_ = false;
    pump();
    return;
  }
  tool->waiting.emplace_back(call);
  make_ready(tool);
  pump();
}

void Dispatcher::on_permit(Call *call, int status, loop::Micros waited_us) {
  call->set_limit_ticket(0);
  if (call->ended()) return;
  if (obs_ && status == TOOLORCH_OK) obs_->permit_waited(&call->obs, call->tool->spec().service, waited_us);
  if (status == TOOLORCH_OK) {
    call->limit_granted = true;
    enqueue(call);
  } else if (status == TOOLORCH_ETIMEDOUT) {
    end_call(call, TOOLORCH_CALL_TIMED_OUT, status,
             "tool \"" + call->tool_name() + "\" timed out waiting for rate-limit permits");
  } else {
    fail_now(call, status, limits::RateLimits::refusal_text(status, call->tool->spec().service, "call"));
  }
}

bool Dispatcher::slot_free() const { return running_ < env_.opts->max_parallel_tools; }

bool Dispatcher::at_own_cap(const Tool &tool) {
  const int cap = tool.spec().max_parallel;
  return cap > 0 && tool.running >= cap;
}

void Dispatcher::make_ready(Tool *tool) {
  while (!tool->waiting.empty() && tool->waiting.front()->ended()) tool->waiting.pop_front();
  if (tool->in_ready_set || tool->waiting.empty()) return;
  if (at_own_cap(*tool)) {
    // A real call waits for the tool's own cap: a running guess of this
    // tool gives its slot (done in pump, outside whatever ended a call).
    if (!guesses_running_.empty()) preempt_for_.push_back(tool);
    return;
  }
  ready_.emplace_back(tool->waiting.front()->seq(), tool);
  std::push_heap(ready_.begin(), ready_.end(), std::greater<>());
  tool->in_ready_set = true;
}

void Dispatcher::pump() {
  // A tool may complete synchronously inside start(), which ends a call and
  // pumps again: flatten that recursion into this loop.
  if (pumping_ || holds_ > 0) {
    pump_again_ = true;
    return;
  }
  pumping_ = true;
  do {
    pump_again_ = false;
    while (slot_free() && !ready_.empty() && !shut_down_) {
      std::pop_heap(ready_.begin(), ready_.end(), std::greater<>());
      Tool *tool = ready_.back().second;
      ready_.pop_back();
      tool->in_ready_set = false;
      // Take this tool's calls while it stays first in FIFO order and under
      // its cap, without going back through the set for each one.
      while (slot_free() && !tool->waiting.empty() && !shut_down_ && !at_own_cap(*tool) &&
             (ready_.empty() || tool->waiting.front()->seq() < ready_.front().first)) {
        CallRef next = std::move(tool->waiting.front());
        tool->waiting.pop_front();
        if (!next->ended()) start_or_expire(std::move(next));
      }
      make_ready(tool);
    }
    // Real calls blocked by a full cap take the slot of a running guess.
    if (!shut_down_ && !ready_.empty() && !slot_free() && preempt_guess(nullptr))
      pump_again_ = true;
    if (!preempt_for_.empty()) {
      std::vector<Tool *> blocked;
      blocked.swap(preempt_for_);
      for (Tool *t : blocked)
        if (!shut_down_ && !t->waiting.empty() && at_own_cap(*t) && preempt_guess(t)) pump_again_ = true;
    }
    if (!pump_again_ && ready_.empty() && !shut_down_ && !guesses_waiting_.empty()) serve_guesses();
  } while (pump_again_);
  pumping_ = false;
}

void Dispatcher::serve_guesses() {
  // FIFO, skipping guesses whose tool is at its own cap.
  for (size_t i = 0; i < guesses_waiting_.size() && slot_free() && !shut_down_;) {
    Call *g = guesses_waiting_[i].get();
    if (!g->ended() && at_own_cap(*g->tool)) {
      ++i;
      continue;
    }
    CallRef next = std::move(guesses_waiting_[i]);
    guesses_waiting_.erase(guesses_waiting_.begin() + static_cast<std::ptrdiff_t>(i));
    if (!next->ended()) start_or_expire(std::move(next));
  }
}

bool Dispatcher::preempt_guess(Tool *tool) {
  // The newest running guess (of `tool`, if given) has done the least work.
  for (auto it = guesses_running_.rbegin(); it != guesses_running_.rend(); ++it) {
    Call *g = *it;
    if (tool && g->tool.get() != tool) continue;
    env_.stats->spec_preempted.fetch_add(1, std::memory_order_relaxed);
    end_call(g, TOOLORCH_CALL_CANCELLED, TOOLORCH_ECANCELLED, "cancelled: a real call needed the guess's slot");
    return true;
  }
  return false;
}

void Dispatcher::promote(Call *call) {
  if (!call->speculative) return;
  call->speculative = false;
  auto r = std::find(guesses_running_.begin(), guesses_running_.end(), call);
  if (r != guesses_running_.end()) guesses_running_.erase(r);
  for (auto it = guesses_waiting_.begin(); it != guesses_waiting_.end(); ++it) {
    if (it->get() != call) continue;
    guesses_waiting_.erase(it);
    if (!call->ended()) {
      call->tool->waiting.emplace_back(call);
      make_ready(call->tool.get());
      pump();
    }
    return;
  }
}

bool Dispatcher::start_or_expire(CallRef next) {
  if (next->deadline_us <= env_.sched->now_us()) {
    // Its deadline passed while it waited (its timer is due this very pass):
    // it must not reach the tool.
    end_call(next.get(), TOOLORCH_CALL_TIMED_OUT, TOOLORCH_ETIMEDOUT,
             "tool \"" + next->tool_name() + "\" timed out while waiting for a slot");
    return false;
  }
  start(std::move(next));
  return true;
}

void Dispatcher::on_deadline(Call *call) {
  int64_t timeout_ms = (call->deadline_us - call->submitted_us) / 1000;
  end_call(call, TOOLORCH_CALL_TIMED_OUT, TOOLORCH_ETIMEDOUT,
           "tool \"" + call->tool_name() + "\" timed out after " + std::to_string(timeout_ms) + " ms");
}

void Dispatcher::emit_about(Call *call, int type) { env_.sink->emit(event_about(call, type)); }

void Dispatcher::start(CallRef ref) {
  Call *call = ref.get();
  Tool *tool = call->tool.get();
  env_.stats->waiting.fetch_sub(1, std::memory_order_relaxed);
  call->set_state(TOOLORCH_CALL_RUNNING);
  call->started_us = env_.sched->now_us();
  call->attempts++;
  call->holds_slot = true;
  if (call->speculative) guesses_running_.push_back(call);
  if (!tool->spec().composite) ++running_;
  ++tool->running;
  env_.stats->calls_started.fetch_add(1, std::memory_order_relaxed);
  env_.stats->note_running(running_);
  if (obs_) {
    if (!call->obs.series) call->obs.series = tool->obs_series;
    obs_->call_started(call->obs, call->tool_name(), true, call->id(), call->attempts, call->started_us);
    tool->obs_series = call->obs.series;
  }
  if (env_.opts->emit_call_started) emit_about(call, TOOLORCH_EVENT_CALL_STARTED);
  // The tool's reference: released when it completes the call, or at shutdown.
  hold_for_tool(call);
  run_tool(call);
}

void Dispatcher::run_tool(Call *call) {
  try {
    call->tool->runner().start(*call);
  } catch (const std::exception &e) {
    tool_finish(call, false, std::string("tool threw: ") + e.what());
  } catch (...) {
    tool_finish(call, false, "tool threw an exception");
  }
}

void Dispatcher::hold_for_tool(Call *call) {
  call->ref();
  call->tool_holds_ref = true;
  call->tool_held_index = tool_held_.size();
  tool_held_.push_back(call);
}

bool Dispatcher::drop_tool_hold(Call *call) {
  if (!call->tool_holds_ref) return false;
  call->tool_holds_ref = false;
  Call *last = tool_held_.back();
  tool_held_[call->tool_held_index] = last;
  last->tool_held_index = call->tool_held_index;
  tool_held_.pop_back();
  return true;
}

void Dispatcher::tell_runner_ended(Call *call, int status) {
  try {
    call->tool->runner().on_call_ended_without_result(*call, status);
  } catch (...) {
    // A runner must not throw here; the call has ended regardless.
  }
}

int Dispatcher::tool_finish(Call *call, bool ok, std::string &&text, unsigned fail_flags, int64_t retry_after_ms) {
  if (!call->claim_tool_finish()) return TOOLORCH_EALREADY;
  if (env_.sched->in_loop_thread()) {
    bool late = call->ended();
    on_tool_finished(call, ok, std::move(text), fail_flags, retry_after_ms);
    return late ? TOOLORCH_ELATE : TOOLORCH_OK;
  }
  // Off the loop thread: whether it is late is decided on the loop; the
  // answer here is what we know now.
  bool late = call->ended();
  auto finished = [this, keep = CallRef(call), ok, fail_flags, retry_after_ms, text = std::move(text)]() mutable {
    on_tool_finished(keep.get(), ok, std::move(text), fail_flags, retry_after_ms);
  };
  // Held in the loop's mailbox itself, in order with other posted work: no
  // allocation per completion.
  static_assert(loop::Task::fits_inline<decltype(finished)>(), "a posted completion fits a Task's room");
  env_.sched->post_task(std::move(finished));
  return late ? TOOLORCH_ELATE : TOOLORCH_OK;
}

void Dispatcher::tool_abandon(Call *call) {
  if (!call->claim_tool_finish()) return;
  auto drop = [this](Call *c) {
    if (drop_tool_hold(c)) c->unref();
  };
  if (env_.sched->in_loop_thread()) {
    drop(call);
    return;
  }
  env_.sched->post_task([drop, keep = CallRef(call)] { drop(keep.get()); });
}

void Dispatcher::release_slot(Call *call) {
  if (!call->holds_slot) return;
  call->holds_slot = false;
  if (call->speculative) {
    auto it = std::find(guesses_running_.begin(), guesses_running_.end(), call);
    if (it != guesses_running_.end()) guesses_running_.erase(it);
  }
  if (!call->tool->spec().composite) --running_;
  --call->tool->running;
  env_.stats->note_running(running_);
}

bool Dispatcher::retry_later(Call *call, unsigned fail_flags, std::string &text, int64_t retry_after_ms) {
  const ToolSpec &spec = call->tool->spec();
  bool retryable = (fail_flags & kFailRetryable) ||
                   ((spec.flags & kToolRetryable) && !(fail_flags & kFailFatal));
  if (!retryable || spec.retry_attempts <= 0 || call->attempts > spec.retry_attempts) return false;
  // The server's Retry-After, as for LLM requests: a floor over the
  // backoff, up to kMaxRetryAfterMs; longer, or past the call's deadline,
  // the call ends now with the server's answer (and says why).
  if (retry_after_ms > kMaxRetryAfterMs) {
    text += " (Retry-After " + std::to_string(retry_after_ms) + " ms: longer than the " +
            std::to_string(kMaxRetryAfterMs) + " ms toolorch waits; not retried)";
    return false;
  }
  int64_t delay_ms = backoff_delay_ms(spec.retry_backoff, call->attempts, retry_after_ms, rng_);
  loop::Micros at = env_.sched->now_us() + delay_ms * 1000;
  if (at >= call->deadline_us) {  // the retry could not start before the deadline
    if (retry_after_ms >= 0)
      text += " (Retry-After " + std::to_string(retry_after_ms) + " ms: past the call's deadline; not retried)";
    return false;
  }
  std::unique_ptr<loop::Timer> &retry_timer = call->retry_timer();
  if (!retry_timer) {
    retry_timer = env_.sched->make_timer([this, call] {
      if (call->ended()) return;
      if (call->speculative) {
        guesses_waiting_.emplace_back(call);
      } else {
        call->tool->waiting.emplace_back(call);
        make_ready(call->tool.get());
      }
      pump();
    });
    if (!retry_timer) return false;
  }
  if (obs_) obs_->call_retrying(call->obs, text, env_.sched->now_us());
  // Back to waiting: the slot is free for others while the backoff runs.
  call->set_end_message(std::move(text));
  call->fail_flags = fail_flags;
  release_slot(call);
  call->set_state(TOOLORCH_CALL_WAITING);
  env_.stats->waiting.fetch_add(1, std::memory_order_relaxed);
  env_.stats->retries.fetch_add(1, std::memory_order_relaxed);
  call->reopen_for_retry();
  retry_timer->arm_at(at);
  make_ready(call->tool.get());
  pump();
  return true;
}

void Dispatcher::on_tool_finished(Call *call, bool ok, std::string &&text, unsigned fail_flags,
                                  int64_t retry_after_ms) {
  CallRef tool_ref;  // adopt the tool's reference, dropped on return
  if (drop_tool_hold(call)) tool_ref = CallRef(call, /*adopt=*/true);
  if (call->ended()) {
    env_.stats->late_completions.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  int64_t cap = env_.opts->max_result_bytes;
  if (ok && static_cast<int64_t>(text.size()) > cap) {
    if (env_.opts->max_result_policy == CoreOptions::ResultPolicy::kTruncate) {
      truncate_result(&text, cap, static_cast<int64_t>(text.size()));
      env_.stats->results_truncated.fetch_add(1, std::memory_order_relaxed);
    } else {
      env_.stats->results_too_big.fetch_add(1, std::memory_order_relaxed);
      end_call(call, TOOLORCH_CALL_FAILED, TOOLORCH_ETOOBIG,
               "result of tool \"" + call->tool_name() + "\" exceeds max_result_bytes: " +
                   std::to_string(text.size()) + " bytes, the cap is " + std::to_string(cap) +
                   " (max_result_policy \"fail\"; \"truncate\" would keep the first bytes)");
      return;
    }
  }
  if (ok) {
    end_call(call, TOOLORCH_CALL_SUCCEEDED, TOOLORCH_OK, std::move(text));
    return;
  }
  if (retry_later(call, fail_flags, text, retry_after_ms)) return;
  call->fail_flags = fail_flags;
  end_call(call, TOOLORCH_CALL_FAILED, TOOLORCH_ETOOL, std::move(text));
}

bool Dispatcher::end_call(Call *call, int state, int status, std::string &&text) {
  if (call->ended()) return false;
  int was = call->state();
  CallRef keep(call);  // the owner may drop its reference in on_call_ended
  call->set_state(state);
  call->ended_us = env_.sched->now_us();
  call->end_status = status;
  // A success's result goes into the store, once; the events and the job
  // refer to it from there.
  if (state == TOOLORCH_CALL_SUCCEEDED) {
    call->result = results_->put(std::move(text));
    call->set_end_message(std::string());
  } else {
    call->set_end_message(std::move(text));
  }
  Deadlines::remove(call);
  call->drop_retry_timer();
  if (was == TOOLORCH_CALL_WAITING) env_.stats->waiting.fetch_sub(1, std::memory_order_relaxed);
  Tool *freed_tool = call->holds_slot ? call->tool.get() : nullptr;
  release_slot(call);
  if (limits_ && call->limit_ticket()) {
    limits_->cancel(call->limit_ticket());
    call->set_limit_ticket(0);
  }
  if (limits_ && call->limit_granted) {
    call->limit_granted = false;
    limits_->release(call->tool->spec().service);
  }
  if (!call->host_request) {
    switch (state) {
      case TOOLORCH_CALL_SUCCEEDED: env_.stats->calls_succeeded.fetch_add(1, std::memory_order_relaxed); break;
      case TOOLORCH_CALL_FAILED: env_.stats->calls_failed.fetch_add(1, std::memory_order_relaxed); break;
      case TOOLORCH_CALL_CANCELLED: env_.stats->calls_cancelled.fetch_add(1, std::memory_order_relaxed); break;
      default: env_.stats->calls_timed_out.fetch_add(1, std::memory_order_relaxed); break;
    }
  }
  // The runner still has the call and its result has not come: tell it to
  // stop (after the state change, so the call already says how it ended).
  // The call's own cancel hook (toolorch_call_on_cancel) runs first.
  std::function<void()> hook = call->take_cancel_hook();
  if (call->tool_holds_ref && !call->tool_finished()) {
    if (hook) {
      try {
        hook();
      } catch (...) {
        // A C++ tool's hook threw: the call has ended regardless.
      }
    }
    tell_runner_ended(call, status);
  }
  if (obs_ && !call->host_request && call->tool && !call->obs.series) call->obs.series = call->tool->obs_series;
  if (obs_ && !call->host_request)
    obs_->call_ended(call->obs, call->tool_name(), call->tool != nullptr, call->id(), state, status, call->end_message(), call->attempts,
                     was == TOOLORCH_CALL_RUNNING ? call->ended_us - call->started_us : -1, call->ended_us);
  if (CallOwner *owner = call->owner) owner->on_call_ended(call);
  // Its group decides next (after the owner reported this end, so that a
  // winner's result comes before the cancellations it causes).
  if (Group *group = call->group) group->on_member_ended(call);
  if (freed_tool) make_ready(freed_tool);
  pump();
  return true;
}

void Dispatcher::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  ready_.clear();
  guesses_waiting_.clear();
  guesses_running_.clear();
  preempt_for_.clear();
  for (auto &tool : env_.registry->all()) {
    tool->waiting.clear();
    tool->in_ready_set = false;
  }
  std::vector<Call *> held;
  held.swap(tool_held_);
  for (Call *call : held) {
    call->tool_holds_ref = false;
    call->unref();
  }
}

}  // namespace toolorch::core

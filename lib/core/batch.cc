#include "core/batch.h"

#include "core/codes.h"

#include <algorithm>
#include <cstring>

namespace toolorch::core {

EventPtr make_result_event(const Call &call) {
  auto ev = std::make_unique<Event>();
  ev->type = TOOLORCH_EVENT_CALL_RESULT;
  ev->userdata = call.event_userdata;
  ev->source = call.event_source;
  ev->source_kind = call.event_source_kind;
  // The event holds the call (ended: nothing changes it any more) instead
  // of copying its id, name and result.
  ev->about = CallRef(const_cast<Call *>(&call));
  ev->call_id = call.event_id;
  ev->call_state = call.state();
  ev->status = call.end_status;
  ev->attempts = call.attempts;
  if (call.started_us) {
    ev->wait_us = call.started_us - call.submitted_us;
    ev->run_us = call.ended_us - call.started_us;
  } else {
    ev->wait_us = call.ended_us - call.submitted_us;
  }
  return ev;
}

Batch::Batch(Dispatcher *dispatcher, EventSink *sink, void *userdata, void *handle)
    : dispatcher_(dispatcher), sink_(sink), userdata_(userdata), handle_(handle) {}

Batch::~Batch() { detach(); }

int Batch::add_group(const std::string &name, GroupPolicy policy, const ContextScorer *fallback) {
  if (submitted()) return TOOLORCH_ESTATE;
  if (groups_.count(name)) return TOOLORCH_EEXIST;
  groups_[name] = std::make_unique<Group>(name, std::move(policy), dispatcher_, fallback);
  return TOOLORCH_OK;
}

int Batch::cancel_group(const std::string &name) {
  auto it = groups_.find(name);
  if (it == groups_.end()) return TOOLORCH_ESTATE;
  it->second->cancel_all("cancelled: group \"" + name + "\" was cancelled");
  return TOOLORCH_OK;
}

std::string_view Batch::keep(std::string_view bytes) {
  if (bytes.empty()) return {};
  if (text_.empty() || text_room_ - text_used_ < bytes.size()) {
    // Blocks of 16 KiB (or one of its own for a larger text): a few
    // allocations per hundreds of calls, and the views never move.
    size_t room = std::max<size_t>(bytes.size(), 16 * 1024);
    text_.push_back(std::make_unique<char[]>(room));
    text_used_ = 0;
    text_room_ = room;
  }
  char *at = text_.back().get() + text_used_;
  std::memcpy(at, bytes.data(), bytes.size());
  text_used_ += bytes.size();
  return std::string_view(at, bytes.size());
}

int Batch::add(std::string_view tool, std::string_view args, std::string_view id, std::string_view group) {
  if (submitted()) return TOOLORCH_ESTATE;
  Pending p;
  if (!group.empty()) {
    auto it = groups_.find(std::string(group));
    if (it == groups_.end()) return TOOLORCH_EINVAL;
    p.group = it->second.get();
  }
  if (!id.empty() && ids_.count(id)) return TOOLORCH_EEXIST;
  // A batch mostly repeats one tool: its name is kept once.
  p.tool = !pending_.empty() && pending_.back().tool == tool ? pending_.back().tool : keep(tool);
  p.args = keep(args);
  if (!id.empty()) {
    p.id = keep(id);
    ids_.insert(p.id);
  }
  pending_.push_back(p);
  size_.store(calls_.size() + pending_.size(), std::memory_order_release);
  return TOOLORCH_OK;
}

CallRef Batch::make_call(const Pending &p) {
  CallRef call(dispatcher_->new_call(std::string(p.id), std::string(p.tool), std::string(p.args)), /*adopt=*/true);
  // A generated id that a caller gave to another call of this batch is
  // drawn again (the call is not seen by anyone yet).
  if (p.id.empty() && !ids_.empty())
    while (ids_.count(call->id())) call->set_id(dispatcher_->new_id());
  call->cancel_requested = p.cancelled;
  return call;
}

void Batch::drop_pending() {
  pending_.clear();
  pending_.shrink_to_fit();
  ids_.clear();
  ids_.rehash(0);
  text_.clear();
  text_.shrink_to_fit();
  text_used_ = text_room_ = 0;
}

int Batch::submit() {
  if (submitted() || detached_) return TOOLORCH_ESTATE;
  submitting_ = true;
  obs::TraceContext parent;
  if (obs::Observer *o = dispatcher_->observer()) {
    o->batch_started(obs_state_, size(), dispatcher_->sched()->now_us());
    parent = o->batch_call_parent(obs_state_);
  }
  calls_.reserve(calls_.size() + pending_.size());
  // Each call is made as it is submitted: the first one reaches its tool
  // before the rest are made. A synchronous end may run user callbacks: the
  // pending list is read from its front, and may be marked meanwhile
  // (cancel, cancel_call), never added to.
  while (!pending_.empty()) {
    // A callback of an earlier call may have freed the batch: the calls not
    // made yet are never handed to the dispatcher.
    if (detached_) break;
    CallRef call = make_call(pending_.front());
    Group *group = pending_.front().group;
    pending_.pop_front();
    Call *c = call.get();
    calls_.push_back(std::move(call));
    if (group) group->add(c);
    c->obs.parent = parent;
    dispatcher_->submit(c, this, userdata_, handle_, kSourceBatch);
  }
  drop_pending();
  submitting_ = false;
  submitted_.store(true, std::memory_order_release);
  maybe_done();
  return TOOLORCH_OK;
}

void Batch::cancel() {
  Dispatcher::PumpHold hold(dispatcher_);  // no call of this batch starts meanwhile
  // Not made yet: each ends cancelled as it is submitted, through this
  // batch, so its event and the batch's end still come.
  for (Pending &p : pending_) p.cancelled = true;
  for (auto &c : calls_) {
    if (c->ended()) continue;
    // Not submitted yet: it will end cancelled as it is submitted, through
    // this batch, so its event and the batch's end still come.
    if (c->state() == TOOLORCH_CALL_PENDING) c->cancel_requested = true;
    else dispatcher_->cancel(c.get());
  }
}

int Batch::cancel_call(const std::string &id) {
  for (auto &c : calls_) {
    if (c->id() != id) continue;
    if (c->ended()) return TOOLORCH_ELATE;
    // Not submitted yet: it ends cancelled as it is submitted (see cancel()).
    if (c->state() == TOOLORCH_CALL_PENDING) c->cancel_requested = true;
    else dispatcher_->cancel(c.get());
    return TOOLORCH_OK;
  }
  // Not made yet (only given ids can name it): as cancel() does.
  for (Pending &p : pending_) {
    if (p.id != id) continue;
    p.cancelled = true;
    return TOOLORCH_OK;
  }
  return TOOLORCH_EINVAL;
}

void Batch::detach() {
  if (detached_) return;
  detached_ = true;
  if (obs::Observer *o = dispatcher_->observer()) o->batch_ended(obs_state_, dispatcher_->sched()->now_us());
  for (auto &c : calls_) c->owner = nullptr;
  Dispatcher::PumpHold hold(dispatcher_);
  for (auto &c : calls_)
    if (!c->ended() && c->state() != TOOLORCH_CALL_PENDING) dispatcher_->cancel(c.get());
}

void Batch::on_call_ended(Call *call) {
  ended_.fetch_add(1, std::memory_order_acq_rel);
  if (detached_) return;
  sink_->emit(make_result_event(*call));
  maybe_done();
}

void Batch::maybe_done() {
  if (done_sent_ || submitting_ || !submitted() || detached_) return;
  if (ended() < size()) return;
  done_sent_ = true;
  if (obs::Observer *o = dispatcher_->observer()) o->batch_ended(obs_state_, dispatcher_->sched()->now_us());
  auto ev = std::make_unique<Event>();
  ev->type = TOOLORCH_EVENT_BATCH_DONE;
  ev->userdata = userdata_;
  ev->source = handle_;
  ev->source_kind = kSourceBatch;
  ev->status = TOOLORCH_OK;
  sink_->emit(std::move(ev));
}

}  // namespace toolorch::core

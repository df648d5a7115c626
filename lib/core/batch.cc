#include "core/batch.h"

#include "core/codes.h"

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

int Batch::add(const std::string &tool, std::string args, const std::string &id, const std::string &group) {
  if (submitted()) return TOOLORCH_ESTATE;
  Group *g = nullptr;
  if (!group.empty()) {
    auto it = groups_.find(group);
    if (it == groups_.end()) return TOOLORCH_EINVAL;
    g = it->second.get();
  }
  if (!id.empty() && ids_.count(id)) return TOOLORCH_EEXIST;
  CallRef call(dispatcher_->new_call(id, tool, std::move(args)), /*adopt=*/true);
  ids_.insert(call->id());
  call_groups_.push_back(g);
  calls_.push_back(std::move(call));
  size_.store(calls_.size(), std::memory_order_release);
  return TOOLORCH_OK;
}

int Batch::submit() {
  if (submitted() || detached_) return TOOLORCH_ESTATE;
  submitting_ = true;
  obs::TraceContext parent;
  if (obs::Observer *o = dispatcher_->observer()) {
    o->batch_started(obs_state_, calls_.size(), dispatcher_->sched()->now_us());
    parent = o->batch_call_parent(obs_state_);
  }
  // Copy: a synchronous end may run user callbacks; the vector stays as is.
  for (size_t i = 0; i < calls_.size(); ++i) {
    // A callback of an earlier call may have freed the batch: the calls not
    // submitted yet stay pending and are never handed to the dispatcher.
    if (detached_) break;
    if (call_groups_[i]) call_groups_[i]->add(calls_[i].get());
    calls_[i]->obs.parent = parent;
    dispatcher_->submit(calls_[i].get(), this, userdata_, handle_, kSourceBatch);
  }
  submitting_ = false;
  submitted_.store(true, std::memory_order_release);
  maybe_done();
  return TOOLORCH_OK;
}

void Batch::cancel() {
  Dispatcher::PumpHold hold(dispatcher_);  // no call of this batch starts meanwhile
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

#include "core/batch.h"

#include "core/codes.h"

#include <algorithm>
#include <cstring>
#include <new>

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
  if (!call.event_id().empty()) ev->call_id = call.event_id();
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

namespace {
constexpr size_t round8(size_t n) { return (n + 7) & ~size_t(7); }
}  // namespace

size_t Batch::record_end(const Record *r, size_t at) {
  size_t n = sizeof(Record) + ((r->flags & kHasGroup) ? sizeof(Group *) : 0) +
             ((r->flags & kSameTool) ? 0 : r->tool_len) + r->args_len + r->id_len;
  return at + round8(n);
}

Batch::Record *Batch::record_at(size_t block, size_t at) const {
  return std::launder(reinterpret_cast<Record *>(blocks_[block].bytes.get() + at));
}

std::string_view Batch::record_id(const Record *r) {
  const char *p = reinterpret_cast<const char *>(r) + sizeof(Record) + ((r->flags & kHasGroup) ? sizeof(Group *) : 0) +
                  ((r->flags & kSameTool) ? 0 : r->tool_len) + r->args_len;
  return std::string_view(p, r->id_len);
}

int Batch::add(std::string_view tool, std::string_view args, std::string_view id, std::string_view group) {
  if (submitted()) return TOOLORCH_ESTATE;
  Group *g = nullptr;
  if (!group.empty()) {
    auto it = groups_.find(std::string(group));
    if (it == groups_.end()) return TOOLORCH_EINVAL;
    g = it->second.get();
  }
  if (!id.empty() && ids_.count(id)) return TOOLORCH_EEXIST;
  constexpr size_t kMaxLen = UINT32_MAX;
  if (tool.size() > kMaxLen || args.size() > kMaxLen || id.size() > kMaxLen) return TOOLORCH_ETOOBIG;
  Record r{static_cast<uint32_t>(tool.size()), static_cast<uint32_t>(args.size()), static_cast<uint32_t>(id.size()), 0};
  if (g) r.flags |= kHasGroup;
  // A batch mostly repeats one tool: its name is kept once per block (the
  // first record of a block has its own, so that submit can free each
  // block once it has read it).
  Record same = r;
  same.flags |= kSameTool;
  size_t need = record_end(&same, 0);
  if (pending_ > 0 && last_tool_ == tool && blocks_.back().room - blocks_.back().used >= need) {
    r = same;
  } else {
    need = record_end(&r, 0);
  }
  if (blocks_.empty() || blocks_.back().room - blocks_.back().used < need) {
    // Blocks of 16 KiB (or one of its own for a larger record): a few
    // allocations per hundreds of calls, and the views never move.
    Block b;
    b.room = std::max<size_t>(need, 16 * 1024);
    b.bytes.reset(new char[b.room]);
    blocks_.push_back(std::move(b));
  }
  Block &b = blocks_.back();
  char *at = b.bytes.get() + b.used;
  new (at) Record(r);
  char *p = at + sizeof(Record);
  if (g) {
    std::memcpy(p, &g, sizeof g);
    p += sizeof g;
  }
  if (!(r.flags & kSameTool)) {
    if (!tool.empty()) std::memcpy(p, tool.data(), tool.size());
    last_tool_ = std::string_view(p, tool.size());
    p += tool.size();
  }
  if (!args.empty()) std::memcpy(p, args.data(), args.size());
  p += args.size();
  if (!id.empty()) {
    std::memcpy(p, id.data(), id.size());
    ids_.insert(std::string_view(p, id.size()));
  }
  b.used += need;
  ++pending_;
  size_.store(calls_.size() + pending_, std::memory_order_release);
  return TOOLORCH_OK;
}

Batch::Pending Batch::take_pending() {
  if (next_at_ >= blocks_[next_block_].used) {
    // Read: its memory goes back now (it is reused for the calls being
    // made), unless given ids point into it (ids_, until submit ends).
    if (ids_.empty()) blocks_[next_block_].bytes.reset();
    ++next_block_;
    next_at_ = 0;
  }
  const Record *r = record_at(next_block_, next_at_);
  const char *p = reinterpret_cast<const char *>(r) + sizeof(Record);
  Pending out;
  if (r->flags & kHasGroup) {
    std::memcpy(&out.group, p, sizeof out.group);
    p += sizeof out.group;
  }
  if (!(r->flags & kSameTool)) {
    last_tool_ = std::string_view(p, r->tool_len);
    p += r->tool_len;
  }
  out.tool = last_tool_;
  out.args = std::string_view(p, r->args_len);
  out.id = std::string_view(p + r->args_len, r->id_len);
  out.cancelled = r->flags & kCancelled;
  next_at_ = record_end(r, next_at_);
  --pending_;
  return out;
}

template <typename F>
void Batch::for_each_pending(F &&f) {
  size_t block = next_block_, at = next_at_;
  for (size_t left = pending_; left > 0; --left) {
    if (at >= blocks_[block].used) {
      ++block;
      at = 0;
    }
    Record *r = record_at(block, at);
    f(r, record_id(r));
    at = record_end(r, at);
  }
}

CallRef Batch::make_call(const Pending &p) {
  CallRef call(dispatcher_->new_call(p.id, p.tool, p.args), /*adopt=*/true);
  // A generated id that a caller gave to another call of this batch is
  // drawn again (the call is not seen by anyone yet).
  if (p.id.empty() && !ids_.empty())
    while (ids_.count(call->id())) call->set_id(dispatcher_->new_id());
  call->cancel_requested = p.cancelled;
  return call;
}

void Batch::drop_pending() {
  pending_ = next_block_ = next_at_ = 0;
  last_tool_ = {};
  ids_.clear();
  ids_.rehash(0);
  blocks_.clear();
  blocks_.shrink_to_fit();
}

int Batch::submit() {
  if (submitted() || detached_) return TOOLORCH_ESTATE;
  submitting_ = true;
  obs::TraceContext parent;
  if (obs::Observer *o = dispatcher_->observer()) {
    o->batch_started(obs_state_, size(), dispatcher_->sched()->now_us());
    parent = o->batch_call_parent(obs_state_);
  }
  calls_.reserve(calls_.size() + pending_);
  // Each call is made as it is submitted: the first one reaches its tool
  // before the rest are made. A synchronous end may run user callbacks: the
  // pending list is read from its front, and may be marked meanwhile
  // (cancel, cancel_call), never added to.
  while (pending_ > 0) {
    // A callback of an earlier call may have freed the batch: the calls not
    // made yet are never handed to the dispatcher.
    if (detached_) break;
    Pending p = take_pending();
    CallRef call = make_call(p);
    Group *group = p.group;
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
  for_each_pending([](Record *r, std::string_view) { r->flags |= kCancelled; });
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
  bool found = false;
  for_each_pending([&](Record *r, std::string_view rid) {
    if (!found && r->id_len > 0 && rid == id) {
      r->flags |= kCancelled;
      found = true;
    }
  });
  return found ? TOOLORCH_OK : TOOLORCH_EINVAL;
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

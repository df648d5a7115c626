#include "core/deadlines.h"

#include <algorithm>

namespace toolorch::core {

namespace {
constexpr loop::Micros kUnarmed = -1;
}  // namespace

// The entries of one timeout duration, in deadline order, and its timer.
struct DeadlineFifo {
  loop::Micros timeout_us = 0;
  DeadlineEntry *head = nullptr, *tail = nullptr;
  std::unique_ptr<loop::Timer> timer;
  loop::Micros armed_at = kUnarmed;  // what the timer is armed for

  void arm(loop::Micros at) {
    armed_at = at;
    timer->arm_at(at);
  }
};

DeadlineEntry::~DeadlineEntry() { Deadlines::remove(this); }

Deadlines::Deadlines(loop::Scheduler *sched, std::function<void(DeadlineEntry *)> expired)
    : sched_(sched), expired_(std::move(expired)) {}

Deadlines::~Deadlines() {
  for (auto &kv : fifos_) {
    for (DeadlineEntry *e = kv.second->head; e;) {
      DeadlineEntry *next = e->next_;
      e->fifo_ = nullptr;
      e->prev_ = e->next_ = nullptr;
      e = next;
    }
  }
}

bool Deadlines::add(DeadlineEntry *e, loop::Micros timeout_us, loop::Micros at) {
  DeadlineFifo *f = last_;
  if (!f || f->timeout_us != timeout_us) {
    auto it = fifos_.find(timeout_us);
    if (it == fifos_.end()) {
      auto fresh = std::make_unique<DeadlineFifo>();
      fresh->timeout_us = timeout_us;
      DeadlineFifo *raw = fresh.get();
      fresh->timer = sched_->make_timer([this, raw] { fire(raw); });
      if (!fresh->timer) return false;
      it = fifos_.emplace(timeout_us, std::move(fresh)).first;
    }
    f = it->second.get();
  }
  last_ = f;
  e->fifo_ = f;
  e->at_ = at;
  // Deadlines of one duration come in order; should one not (the clock
  // stood still, or a caller's `at` is its own), it goes where it belongs.
  DeadlineEntry *after = f->tail;
  while (after && after->at_ > at) after = after->prev_;
  e->prev_ = after;
  e->next_ = after ? after->next_ : f->head;
  if (e->next_) e->next_->prev_ = e;
  else f->tail = e;
  if (after) after->next_ = e;
  else f->head = e;
  if (f->armed_at == kUnarmed || at < f->armed_at) f->arm(at);
  return true;
}

void Deadlines::remove(DeadlineEntry *e) {
  DeadlineFifo *f = e->fifo_;
  if (!f) return;
  if (e->prev_) e->prev_->next_ = e->next_;
  else f->head = e->next_;
  if (e->next_) e->next_->prev_ = e->prev_;
  else f->tail = e->prev_;
  e->fifo_ = nullptr;
  e->prev_ = e->next_ = nullptr;
  // A head removed leaves the timer armed early: it re-arms when it fires.
  if (!f->head && f->armed_at != kUnarmed) {
    f->armed_at = kUnarmed;
    f->timer->disarm();
  }
}

void Deadlines::fire(DeadlineFifo *f) {
  // What the timer was armed for has come, whatever the clock reads.
  loop::Micros due = std::max(sched_->now_us(), f->armed_at);
  f->armed_at = kUnarmed;
  while (f->head && f->head->at_ <= due) {
    DeadlineEntry *e = f->head;
    remove(e);
    expired_(e);
  }
  if (f->head && (f->armed_at == kUnarmed || f->head->at_ < f->armed_at)) f->arm(f->head->at_);
}

size_t Deadlines::armed_timers() const {
  size_t n = 0;
  for (const auto &kv : fifos_) n += kv.second->armed_at != kUnarmed;
  return n;
}

}  // namespace toolorch::core

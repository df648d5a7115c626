#include "capi/event_queue.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>

#include <toolorch/status.h>

namespace toolorch::capi {

EventQueue::EventQueue(bool with_fd) {
  if (with_fd) fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

EventQueue::~EventQueue() {
  if (fd_ >= 0) ::close(fd_);
}

void EventQueue::set_readable_locked(bool readable) {
  if (readable == readable_ || fd_ < 0) return;
  readable_ = readable;
  uint64_t v = 1;
  ssize_t n = readable ? write(fd_, &v, sizeof v) : read(fd_, &v, sizeof v);
  (void)n;
}

void EventQueue::push(core::EventPtr ev) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (closed_) return;
    q_.push_back(std::move(ev));
    set_readable_locked(true);
  }
  cv_.notify_one();
}

void EventQueue::push_all(std::vector<core::EventPtr> *evs) {
  if (evs->empty()) return;
  bool many = evs->size() > 1;
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (!closed_) {
      for (core::EventPtr &ev : *evs) q_.push_back(std::move(ev));
      set_readable_locked(true);
    }
  }
  evs->clear();  // dropped ones are freed outside the lock
  // Several events: every waiter may take one.
  if (many) cv_.notify_all();
  else cv_.notify_one();
}

void EventQueue::hold_final(core::EventPtr ev) {
  std::lock_guard<std::mutex> lk(mu_);
  if (!closed_ && !held_final_) held_final_ = std::move(ev);
}

void EventQueue::release_final() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (closed_ || !held_final_) return;
    q_.push_back(std::move(held_final_));
    closed_ = has_final_ = true;
    set_readable_locked(true);
  }
  // Every waiter wakes: one takes the final event, the others learn that
  // the queue has ended.
  cv_.notify_all();
}

int EventQueue::pop(int timeout_ms, core::EventPtr *out) {
  std::unique_lock<std::mutex> lk(mu_);
  auto ready = [this] { return closed_ || !q_.empty(); };
  if (timeout_ms < 0) {
    cv_.wait(lk, ready);
  } else if (timeout_ms > 0) {
    cv_.wait_for(lk, std::chrono::milliseconds(timeout_ms), ready);
  }
  if (q_.empty()) return closed_ ? TOOLORCH_ECLOSED : TOOLORCH_EAGAIN;
  *out = std::move(q_.front());
  q_.pop_front();
  // Stay readable once ended, so that a poller wakes up and learns of it.
  if (q_.empty() && !closed_) set_readable_locked(false);
  return TOOLORCH_OK;
}

void EventQueue::close() {
  std::deque<core::EventPtr> dropped;  // freed outside the lock
  {
    std::lock_guard<std::mutex> lk(mu_);
    closed_ = true;
    dropped.swap(q_);
    set_readable_locked(true);
  }
  cv_.notify_all();
}

void EventQueue::close_with_final(core::EventPtr final) {
  std::deque<core::EventPtr> dropped;
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (has_final_) return;
    if (held_final_) {
      if (!closed_) q_.push_back(std::move(held_final_));
    } else {
      dropped.swap(q_);
      if (!closed_) q_.push_back(std::move(final));  // close() came first: nothing more
    }
    closed_ = has_final_ = true;
    set_readable_locked(true);
  }
  cv_.notify_all();
}

size_t EventQueue::size() const {
  std::lock_guard<std::mutex> lk(mu_);
  return q_.size();
}

}  // namespace toolorch::capi

#include "capi/event_queue.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>

#include <toolorch/status.h>

namespace toolorch::capi {

EventQueue::EventQueue() { fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

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
  if (q_.empty()) set_readable_locked(false);
  return TOOLORCH_OK;
}

void EventQueue::close() {
  std::deque<core::EventPtr> dropped;
  {
    std::lock_guard<std::mutex> lk(mu_);
    closed_ = true;
    dropped.swap(q_);
    // Stay readable so that a poller wakes up and learns of the close.
    set_readable_locked(true);
  }
  cv_.notify_all();
}

size_t EventQueue::size() const {
  std::lock_guard<std::mutex> lk(mu_);
  return q_.size();
}

}  // namespace toolorch::capi

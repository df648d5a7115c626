// The thread-safe queue of events for callers that do not take callbacks
// (and for the bindings). An eventfd is readable exactly while the queue
// holds an event, so any other loop (poll, epoll, glib, Go, Ruby) can wait
// on it.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>

#include "core/event.h"

namespace toolorch::capi {

class EventQueue {
 public:
  EventQueue();
  ~EventQueue();
  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  void push(core::EventPtr ev);  // dropped after close()
  // OK with *out, EAGAIN on timeout, ECLOSED once closed and empty.
  int pop(int timeout_ms, core::EventPtr *out);
  // Wake every waiter; later pushes are dropped; queued events are freed.
  void close();
  size_t size() const;

 private:
  void set_readable_locked(bool readable);
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<core::EventPtr> q_;
  bool closed_ = false;
  bool readable_ = false;
  int fd_ = -1;
};

}  // namespace toolorch::capi

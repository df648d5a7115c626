// The thread-safe queues of events for callers that do not take callbacks
// (and for the bindings): the context's queue, and the own queue of a job or
// batch made with toolorch_job_start_queued / toolorch_batch_new_queued. The
// context's has an eventfd, readable exactly while the queue holds an event,
// so any other loop (poll, epoll, glib, Go, Ruby) can wait on it.
//
// A queue ends once: after its final event (JOB_DONE / BATCH_DONE of an own
// queue) or close(), later pushes are dropped, and once it is empty pop gives
// ECLOSED to every waiter. That is the close handshake of a job's or batch's
// own queue: exactly one final event, the library's own or, when the context
// is closed before it, the one close_with_final() puts there.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <vector>

#include "core/event.h"

namespace toolorch::capi {

class EventQueue {
 public:
  // with_fd: the context's queue (toolorch_event_fd); own queues have none.
  explicit EventQueue(bool with_fd = true);
  ~EventQueue();
  EventQueue(const EventQueue &) = delete;
  EventQueue &operator=(const EventQueue &) = delete;
  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  // Dropped once the queue has ended.
  void push(core::EventPtr ev);
  // All of evs in order, under one lock and with one wake-up (evs is left
  // empty). Dropped once the queue has ended.
  void push_all(std::vector<core::EventPtr> *evs);
  // The final event of a job's or batch's own queue, kept back until
  // release_final(): what the same loop pass still emits about the run (the
  // TOOL_CANCELLED of a group's score request, which its owner's end
  // causes) goes before it, so that nothing its consumer must see comes
  // after the end. Dropped once the queue has ended.
  void hold_final(core::EventPtr ev);
  // Queue the final event held back, and end the queue with it (waiters get
  // it, then ECLOSED; later pushes are dropped).
  void release_final();
  // OK with *out, EAGAIN on timeout, ECLOSED once ended and empty.
  int pop(int timeout_ms, core::EventPtr *out);
  // Wake every waiter; later pushes are dropped; queued events are freed.
  void close();
  // End the queue with `final` unless it has its final event already (held
  // back or queued): then that one ends it, after the events before it (the
  // run ended before the close). Otherwise the events queued are freed and
  // `final` is the only one left. Wakes every waiter.
  void close_with_final(core::EventPtr final);
  size_t size() const;

 private:
  void set_readable_locked(bool readable);
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<core::EventPtr> q_;
  bool closed_ = false;  // ended: pushes are dropped
  bool has_final_ = false;      // queued (or the queue ended)
  core::EventPtr held_final_;   // hold_final(), not yet released
  bool readable_ = false;
  int fd_ = -1;
};

}  // namespace toolorch::capi

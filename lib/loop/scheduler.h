// The loop as the layers above see it: a clock, timers, and a way to run
// work on the loop thread from any thread. The libevent loop implements it;
// tests use tests/support/fake_scheduler.h (a fake clock, no sockets).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "loop/task.h"

namespace toolorch::loop {

using Micros = int64_t;  // monotonic microseconds

// A one-shot timer owned by its creator. Destroying it disarms it.
// Loop thread only.
class Timer {
 public:
  virtual ~Timer() = default;
  virtual void arm_at(Micros deadline_us) = 0;  // re-arming moves it
  virtual void disarm() = 0;
  virtual bool armed() const = 0;
};

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  virtual Micros now_us() const = 0;
  // The callback runs on the loop thread when the timer fires.
  virtual std::unique_ptr<Timer> make_timer(std::function<void()> cb) = 0;
  // Any thread: run fn on the loop thread soon, in posting order. Work
  // posted after shutdown began is dropped (its destructor still runs).
  virtual void post(std::function<void()> fn) = 0;
  // Any thread: the same, in the same order as post(), for work held in a
  // Task: the event loop's mailbox keeps it in place, without an
  // allocation when it fits (Task::fits_inline). By default it goes
  // through post().
  virtual void post_task(Task task) {
    auto held = std::make_shared<Task>(std::move(task));
    post([held] { (*held)(); });
  }
  virtual bool in_loop_thread() const = 0;
};

}  // namespace toolorch::loop

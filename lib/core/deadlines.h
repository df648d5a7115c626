// Deadlines of many calls on few timers. Calls that share a timeout
// duration are submitted in time order, so their deadlines come in the
// order they were added: one FIFO per duration, and one timer on each FIFO,
// armed at its head's deadline, serves them all. Adding and removing are
// O(1) and touch no timer, except adding to an empty FIFO (arm) and
// emptying it (disarm). A timer that fires for a head removed since finds
// the new head not yet due and re-arms for it.
//
// Loop thread only, like the timers it uses.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "loop/scheduler.h"

namespace toolorch::core {

class Deadlines;
struct DeadlineFifo;

// What a deadline is kept in: a base of whatever has one (core::Call).
// Unwatched until added; destroying a watched entry removes it.
class DeadlineEntry {
 public:
  bool watched() const { return fifo_ != nullptr; }
  loop::Micros watched_deadline_us() const { return at_; }

 protected:
  DeadlineEntry() = default;
  ~DeadlineEntry();
  DeadlineEntry(const DeadlineEntry &) = delete;
  DeadlineEntry &operator=(const DeadlineEntry &) = delete;

 private:
  friend class Deadlines;
  DeadlineFifo *fifo_ = nullptr;
  DeadlineEntry *prev_ = nullptr, *next_ = nullptr;
  loop::Micros at_ = 0;
};

class Deadlines {
 public:
  // `expired` runs on the loop thread for each entry whose deadline has
  // come, already removed (it may add or remove entries, this one included).
  Deadlines(loop::Scheduler *sched, std::function<void(DeadlineEntry *)> expired);
  ~Deadlines();  // every entry still watched is let go (unwatched)
  Deadlines(const Deadlines &) = delete;
  Deadlines &operator=(const Deadlines &) = delete;

  // Watch `e` (not watched yet) for deadline `at`, at = now + timeout_us.
  // False if no timer could be made for a new duration.
  bool add(DeadlineEntry *e, loop::Micros timeout_us, loop::Micros at);
  // Stop watching `e`; nothing if it is not watched.
  static void remove(DeadlineEntry *e);

  // Timers in use (one per duration with watched entries), for tests.
  size_t armed_timers() const;

 private:
  void fire(DeadlineFifo *f);

  loop::Scheduler *sched_;
  std::function<void(DeadlineEntry *)> expired_;
  std::map<loop::Micros, std::unique_ptr<DeadlineFifo>> fifos_;  // by timeout duration
  DeadlineFifo *last_ = nullptr;  // the last one added to
};

}  // namespace toolorch::core

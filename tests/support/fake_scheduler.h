// A Scheduler on a fake clock, for core tests with no sockets and no
// threads of its own: time moves only when the test calls advance().
// post() is thread-safe; posted work runs in run_posted() and advance().
#pragma once

#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "loop/scheduler.h"

namespace toolorch::test {

class FakeScheduler final : public loop::Scheduler {
 public:
  FakeScheduler() : loop_thread_(std::this_thread::get_id()) {}
  loop::Micros now_us() const override { return now_; }
  std::unique_ptr<loop::Timer> make_timer(std::function<void()> cb) override;
  void post(std::function<void()> fn) override;
  bool in_loop_thread() const override { return std::this_thread::get_id() == loop_thread_; }

  // Run the posted work (and work it posts) until none is left.
  void run_posted();
  // Move the clock forward by us, firing due timers in deadline order,
  // running posted work between them.
  void advance(loop::Micros us);
  size_t armed_timers() const { return timers_.size(); }

 private:
  friend class FakeTimer;
  using Key = std::pair<loop::Micros, uint64_t>;  // deadline, arming order
  loop::Micros now_ = 1000000;
  uint64_t seq_ = 0;
  std::map<Key, class FakeTimer *> timers_;
  std::mutex mu_;
  std::vector<std::function<void()>> posted_;
  std::thread::id loop_thread_;
};

}  // namespace toolorch::test

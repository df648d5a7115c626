// A libevent loop of the test's own, for the http tests: runs until a
// condition holds, with a guard timer so that a broken feature fails the
// test instead of hanging it. The condition is checked after every loop
// pass and on a short tick, so it may watch another thread (the server).
#pragma once

#include <event2/event.h>

#include <functional>

namespace toolorch::test {

class TestLoop {
 public:
  TestLoop() : base_(event_base_new()) {
    tick_ = event_new(base_, -1, EV_PERSIST, [](evutil_socket_t, short, void *) {}, nullptr);
    timeval every{0, 5000};
    event_add(tick_, &every);
    guard_ = evtimer_new(base_, [](evutil_socket_t, short, void *fired) { *static_cast<bool *>(fired) = true; },
                         &guard_fired_);
  }
  ~TestLoop() {
    event_free(guard_);
    event_free(tick_);
    event_base_free(base_);
  }
  TestLoop(const TestLoop &) = delete;
  TestLoop &operator=(const TestLoop &) = delete;

  event_base *base() const { return base_; }

  // True once pred() holds; false if guard_ms passed first (a failure,
  // never a measurement: keep guards generous).
  bool run_until(const std::function<bool()> &pred, int guard_ms = 30000) {
    guard_fired_ = false;
    timeval tv{guard_ms / 1000, (guard_ms % 1000) * 1000};
    evtimer_add(guard_, &tv);
    bool ok = pred();
    while (!ok && !guard_fired_) {
      event_base_loop(base_, EVLOOP_ONCE);
      ok = pred();
    }
    evtimer_del(guard_);
    return ok;
  }

  // Runs the loop for about ms: gives whatever should NOT happen (a late
  // callback) the chance to happen before the test checks it did not.
  void run_for(int ms) { run_until([] { return false; }, ms); }

 private:
  event_base *base_;
  event *tick_;
  event *guard_;
  bool guard_fired_ = false;
};

}  // namespace toolorch::test

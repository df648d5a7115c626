// The real Scheduler: a libevent event_base, either owned (run on a thread
// of the library's own) or borrowed from the host (never dispatched, broken
// or freed here). Cross-thread work arrives through a mailbox woken by an
// eventfd watched on the base.
#pragma once

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "loop/scheduler.h"

struct event_base;
struct event;

namespace toolorch::loop {

class EventLoop final : public Scheduler {
 public:
  // Returns nullptr (and errno-like detail in *err) on failure.
  static std::unique_ptr<EventLoop> create_owned(std::string *err);
  static std::unique_ptr<EventLoop> create_borrowed(event_base *base, std::string *err);
  ~EventLoop() override;

  EventLoop(const EventLoop &) = delete;
  EventLoop &operator=(const EventLoop &) = delete;

  event_base *base() const { return base_; }
  bool owned() const { return owned_; }

  // Owned mode: start the loop thread. The thread runs until stop().
  bool start(std::string *err);
  // Owned mode: run fn on the loop thread and wait for it (from another
  // thread), or run it directly when already on the loop thread.
  // False if the loop is closing and fn did not run.
  bool run_sync(const std::function<void()> &fn);
  // Owned mode: stop the thread after the posted work so far, and join it.
  // Borrowed mode: stop accepting posted work. Idempotent.
  void stop();

  // Run at the end of every pass over the mailbox (loop thread), after the
  // work it ran: what that work produced for other threads can be handed
  // over in one piece (the context's events: one lock and one wake-up of
  // the consumer per pass, not per event). Set before any work is posted.
  void set_after_drain(std::function<void()> fn) { after_drain_ = std::move(fn); }
  // Loop thread: whether the mailbox's work is running now (after_drain
  // comes next).
  bool draining() const { return draining_; }

  Micros now_us() const override;
  std::unique_ptr<Timer> make_timer(std::function<void()> cb) override;
  void post(std::function<void()> fn) override;
  void post_task(Task task) override;
  bool in_loop_thread() const override;

 private:
  EventLoop(event_base *base, bool owned);
  bool init_mailbox(std::string *err);
  static void on_mailbox(int fd, short what, void *self);
  void drain_mailbox();

  event_base *base_;
  bool owned_;
  int wake_fd_ = -1;
  event *wake_ev_ = nullptr;
  std::mutex mu_;
  // The mailbox: tasks in blocks of kTasks, in posting order. A task is
  // moved once, into its block (a vector would move every task again each
  // time it grew, and the host posts its completions in bursts); blocks a
  // pass emptied are kept for the next posts, up to kSpareBlocks.
  struct Block {
    static constexpr size_t kTasks = 64;
    Task tasks[kTasks];
    size_t used = 0;
    Block *next = nullptr;
  };
  static constexpr size_t kSpareBlocks = 16;  // 80 KiB
  static void delete_blocks(Block *b);
  Block *head_ = nullptr, *tail_ = nullptr;  // guarded by mu_
  Block *spare_ = nullptr;                   // guarded by mu_
  size_t spare_count_ = 0;                   // guarded by mu_
  bool closed_ = false;                         // guarded by mu_
  std::thread thread_;
  std::atomic<std::thread::id> loop_thread_{};
  std::function<void()> after_drain_;  // set before work
  bool draining_ = false;              // loop thread
};

}  // namespace toolorch::loop

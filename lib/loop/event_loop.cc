#include "loop/event_loop.h"

#include <event2/event.h>
#include <event2/thread.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <string>

namespace toolorch::loop {
namespace {

Micros monotonic_us() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<Micros>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

// libevent timers take relative timeouts; we keep absolute deadlines so
// that re-arming and the fake scheduler agree on meaning.
class LibeventTimer final : public Timer {
 public:
  LibeventTimer(event_base *base, std::function<void()> cb) : cb_(std::move(cb)) {
    ev_ = evtimer_new(base, &LibeventTimer::fire, this);
  }
  ~LibeventTimer() override {
    if (ev_) event_free(ev_);
  }
  void arm_at(Micros deadline_us) override {
    if (!ev_) return;
    Micros delay = deadline_us - monotonic_us();
    if (delay < 0) delay = 0;
    timeval tv{static_cast<time_t>(delay / 1000000), static_cast<suseconds_t>(delay % 1000000)};
    evtimer_add(ev_, &tv);
  }
  void disarm() override {
    if (ev_) evtimer_del(ev_);
  }
  bool armed() const override { return ev_ && evtimer_pending(ev_, nullptr); }
  bool ok() const { return ev_ != nullptr; }

 private:
  static void fire(evutil_socket_t, short, void *self) {
    // Copy: the callback may destroy this timer.
    auto cb = static_cast<LibeventTimer *>(self)->cb_;
    cb();
  }
  event *ev_ = nullptr;
  std::function<void()> cb_;
};

std::once_flag g_threads_once;

}  // namespace

EventLoop::EventLoop(event_base *base, bool owned) : base_(base), owned_(owned) {}

std::unique_ptr<EventLoop> EventLoop::create_owned(std::string *err) {
  // The base is touched from two threads (ours and, for event_active, others).
  std::call_once(g_threads_once, [] { evthread_use_pthreads(); });
  // Precise timers: with the default coarse clock a 1 ms timer fires after
  // about 4 ms here, which would show up in every deadline and backoff.
  event_config *cfg = event_config_new();
  if (cfg) event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
  event_base *base = cfg ? event_base_new_with_config(cfg) : event_base_new();
  if (cfg) event_config_free(cfg);
  if (!base) {
    if (err) *err = "event_base_new failed";
    return nullptr;
  }
  std::unique_ptr<EventLoop> loop(new EventLoop(base, true));
  if (!loop->init_mailbox(err)) return nullptr;
  return loop;
}

std::unique_ptr<EventLoop> EventLoop::create_borrowed(event_base *base, std::string *err) {
  if (!base) {
    if (err) *err = "event_base is NULL";
    return nullptr;
  }
  std::unique_ptr<EventLoop> loop(new EventLoop(base, false));
  // The host's thread runs the base; the creating thread is taken to be it.
  loop->loop_thread_.store(std::this_thread::get_id());
  if (!loop->init_mailbox(err)) return nullptr;
  return loop;
}

bool EventLoop::init_mailbox(std::string *err) {
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    if (err) *err = std::string("eventfd: ") + std::strerror(errno);
    return false;
  }
  wake_ev_ = event_new(base_, wake_fd_, EV_READ | EV_PERSIST, &EventLoop::on_mailbox, this);
  if (!wake_ev_ || event_add(wake_ev_, nullptr) != 0) {
    if (err) *err = "cannot watch the wake-up fd on the event_base";
    return false;
  }
  return true;
}

EventLoop::~EventLoop() {
  stop();
  // Work still in the mailbox is dropped, but destroyed here, on this thread.
  Block *rest, *spare;
  {
    std::lock_guard<std::mutex> lk(mu_);
    rest = head_;
    spare = spare_;
    head_ = tail_ = spare_ = nullptr;
    spare_count_ = 0;
  }
  delete_blocks(rest);
  delete_blocks(spare);
  if (wake_ev_) event_free(wake_ev_);
  if (wake_fd_ >= 0) close(wake_fd_);
  if (owned_ && base_) event_base_free(base_);
}

bool EventLoop::start(std::string *err) {
  if (!owned_ || thread_.joinable()) return true;
  try {
    thread_ = std::thread([this] {
      loop_thread_.store(std::this_thread::get_id());
      // EVLOOP_NO_EXIT_ON_EMPTY: keep running while idle; stop() breaks it.
      event_base_loop(base_, EVLOOP_NO_EXIT_ON_EMPTY);
      // Refuse new work first, then run what came before: nothing posted
      // can fall between the two and be lost unseen.
      {
        std::lock_guard<std::mutex> lk(mu_);
        closed_ = true;
      }
      drain_mailbox();
    });
  } catch (const std::exception &e) {
    if (err) *err = std::string("cannot start the loop thread: ") + e.what();
    return false;
  }
  return true;
}

bool EventLoop::run_sync(const std::function<void()> &fn) {
  if (in_loop_thread() || !thread_.joinable()) {
    fn();
    return true;
  }
  // Shared with the posted work: if the loop drops it unrun (it is
  // closing), its destructor still wakes us.
  struct Sync {
    std::mutex m;
    std::condition_variable cv;
    bool finished = false, ran = false;
  };
  auto sync = std::make_shared<Sync>();
  struct Waker {
    std::shared_ptr<Sync> s;
    ~Waker() {
      if (!s) return;
      std::lock_guard<std::mutex> lk(s->m);
      s->finished = true;
      s->cv.notify_one();
    }
  };
  auto waker = std::make_shared<Waker>();  // (not from a temporary Waker: its destructor would wake us)
  waker->s = sync;
  post([&fn, waker] {
    fn();
    std::lock_guard<std::mutex> lk(waker->s->m);
    waker->s->ran = true;
  });
  waker.reset();  // only the posted work holds it now
  std::unique_lock<std::mutex> lk(sync->m);
  sync->cv.wait(lk, [&] { return sync->finished; });
  return sync->ran;
}

void EventLoop::stop() {
  if (owned_ && thread_.joinable()) {
    post([this] { event_base_loopbreak(base_); });
    thread_.join();
  }
  std::lock_guard<std::mutex> lk(mu_);
  closed_ = true;
}

Micros EventLoop::now_us() const { return monotonic_us(); }

std::unique_ptr<Timer> EventLoop::make_timer(std::function<void()> cb) {
  auto t = std::make_unique<LibeventTimer>(base_, std::move(cb));
  if (!t->ok()) return nullptr;
  return t;
}

void EventLoop::post(std::function<void()> fn) { post_task(Task(std::move(fn))); }

void EventLoop::post_task(Task task) {
  bool wake;
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (closed_) return;  // dropped: destroyed on return, outside the lock
    wake = head_ == nullptr;
    if (!tail_ || tail_->used == Block::kTasks) {
      Block *b = spare_;
      if (b) {
        spare_ = b->next;
        --spare_count_;
        b->next = nullptr;
      } else {
        b = new Block;
      }
      (tail_ ? tail_->next : head_) = b;
      tail_ = b;
    }
    tail_->tasks[tail_->used++] = std::move(task);
  }
  if (wake) {
    uint64_t one = 1;
    // EAGAIN means the counter is already non-zero: the loop will wake anyway.
    ssize_t n = write(wake_fd_, &one, sizeof one);
    (void)n;
  }
}

bool EventLoop::in_loop_thread() const { return loop_thread_.load() == std::this_thread::get_id(); }

void EventLoop::on_mailbox(int fd, short, void *self) {
  uint64_t n;
  ssize_t r = read(fd, &n, sizeof n);
  (void)r;
  static_cast<EventLoop *>(self)->drain_mailbox();
}

void EventLoop::delete_blocks(Block *b) {
  while (b) {
    Block *next = b->next;
    delete b;  // its tasks are destroyed, unrun
    b = next;
  }
}

void EventLoop::drain_mailbox() {
  Block *work;
  {
    std::lock_guard<std::mutex> lk(mu_);
    work = head_;
    head_ = tail_ = nullptr;
  }
  // If a piece of work throws, the blocks go (their tasks destroyed) on its
  // way out.
  struct Owned {
    Block *b;
    ~Owned() { delete_blocks(b); }
  } owned{work};
  // after_drain comes even if a piece of work throws (then on its way out),
  // and before the work's tasks are destroyed.
  struct Pass {
    EventLoop *loop;
    explicit Pass(EventLoop *l) : loop(l) { loop->draining_ = true; }
    ~Pass() {
      loop->draining_ = false;
      if (loop->after_drain_) loop->after_drain_();
    }
  };
  {
    Pass pass(this);
    for (Block *b = work; b; b = b->next)
      for (size_t i = 0; i < b->used; ++i) b->tasks[i]();
  }
  // Each task is destroyed here, on the loop thread, as before; the emptied
  // blocks are kept for the next posts (up to kSpareBlocks).
  for (Block *b = work; b; b = b->next) {
    for (size_t i = 0; i < b->used; ++i) b->tasks[i].reset();
    b->used = 0;
  }
  std::lock_guard<std::mutex> lk(mu_);
  while (owned.b && spare_count_ < kSpareBlocks) {
    Block *b = owned.b;
    owned.b = b->next;
    b->next = spare_;
    spare_ = b;
    ++spare_count_;
  }
}

}  // namespace toolorch::loop

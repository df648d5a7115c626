#include "fake_scheduler.h"

namespace toolorch::test {

class FakeTimer final : public loop::Timer {
 public:
  FakeTimer(FakeScheduler *s, std::function<void()> cb) : s_(s), cb_(std::move(cb)) {}
  ~FakeTimer() override { disarm(); }
  void arm_at(loop::Micros deadline) override {
    disarm();
    key_ = {deadline < s_->now_ ? s_->now_ : deadline, ++s_->seq_};
    s_->timers_[key_] = this;
    armed_ = true;
  }
  void disarm() override {
    if (armed_) s_->timers_.erase(key_);
    armed_ = false;
  }
  bool armed() const override { return armed_; }
  // Called by the scheduler as it fires: the callback is copied first
  // because it may destroy this timer.
  void fire() {
    armed_ = false;
    auto cb = cb_;
    cb();
  }

 private:
  FakeScheduler *s_;
  std::function<void()> cb_;
  FakeScheduler::Key key_{};
  bool armed_ = false;
};

std::unique_ptr<loop::Timer> FakeScheduler::make_timer(std::function<void()> cb) {
  return std::make_unique<FakeTimer>(this, std::move(cb));
}

void FakeScheduler::post(std::function<void()> fn) {
  std::lock_guard<std::mutex> lk(mu_);
  posted_.push_back(std::move(fn));
}

void FakeScheduler::run_posted() {
  for (;;) {
    std::vector<std::function<void()>> work;
    {
      std::lock_guard<std::mutex> lk(mu_);
      work.swap(posted_);
    }
    if (work.empty()) return;
    for (auto &fn : work) fn();
  }
}

void FakeScheduler::advance(loop::Micros us) {
  loop::Micros target = now_ + us;
  run_posted();
  while (!timers_.empty() && timers_.begin()->first.first <= target) {
    auto it = timers_.begin();
    now_ = it->first.first;
    FakeTimer *t = it->second;
    timers_.erase(it);
    t->fire();
    run_posted();
  }
  now_ = target;
  run_posted();
}

}  // namespace toolorch::test

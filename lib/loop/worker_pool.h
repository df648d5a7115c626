// Threads for tools flagged BLOCKING, so a slow tool never stalls the loop.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace toolorch::loop {

class WorkerPool {
 public:
  explicit WorkerPool(size_t threads);
  ~WorkerPool();  // runs shutdown()
  WorkerPool(const WorkerPool &) = delete;
  WorkerPool &operator=(const WorkerPool &) = delete;

  // Any thread. False after shutdown (the job is not run).
  bool submit(std::function<void()> job);
  // Finish the queued jobs, then join every thread. Idempotent.
  void shutdown();
  size_t size() const { return threads_.size(); }

 private:
  void run();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace toolorch::loop

// The log callback of a context: level, message and key/value fields go to
// the host's function; nothing is printed when none is set. Keys of the
// library never hold secrets (API keys live only in request headers).
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace toolorch::obs {

using LogFields = std::vector<std::pair<std::string, std::string>>;
// Levels as toolorch_log_level: 0 debug, 1 info, 2 warn, 3 error.
using LogFn = void (*)(int level, const char *message, const char *const *keys, const char *const *values,
                       size_t n_fields, void *userdata);

class Logger {
 public:
  void set(LogFn fn, void *userdata, int min_level);
  bool enabled(int level) const {
    return fn_.load(std::memory_order_acquire) && level >= min_level_.load(std::memory_order_relaxed);
  }
  // Any thread; the callback runs on the thread that logs.
  void log(int level, const std::string &message, const LogFields &fields = {}) const;

 private:
  std::atomic<LogFn> fn_{nullptr};
  std::atomic<void *> userdata_{nullptr};
  std::atomic<int> min_level_{1};
};

}  // namespace toolorch::obs

#include "obs/log.h"

namespace toolorch::obs {

void Logger::set(LogFn fn, void *userdata, int min_level) {
  userdata_.store(userdata, std::memory_order_relaxed);
  min_level_.store(min_level, std::memory_order_relaxed);
  fn_.store(fn, std::memory_order_release);
}

void Logger::log(int level, const std::string &message, const LogFields &fields) const {
  LogFn fn = fn_.load(std::memory_order_acquire);
  if (!fn || level < min_level_.load(std::memory_order_relaxed)) return;
  std::vector<const char *> keys, values;
  keys.reserve(fields.size());
  values.reserve(fields.size());
  for (const auto &[k, v] : fields) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  try {
    fn(level, message.c_str(), keys.data(), values.data(), fields.size(), userdata_.load(std::memory_order_relaxed));
  } catch (...) {
    // A C++ host's callback threw: a log line is not worth more.
  }
}

}  // namespace toolorch::obs

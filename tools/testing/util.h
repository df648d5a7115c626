// Shared by the test kit's files: the message buffer every expectation and
// start function fills, and the border that keeps C++ exceptions inside.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>

namespace toolorch::testing {

// Copies s into buf (cut to size, always NUL-terminated when size > 0).
inline void put_message(char *buf, size_t size, const std::string &s) {
  if (!buf || size == 0) return;
  const size_t n = s.size() < size - 1 ? s.size() : size - 1;
  memcpy(buf, s.data(), n);
  buf[n] = '\0';
}

// The expectation's result: 0 when it holds (msg emptied), -1 with msg.
inline int holds(char *msg, size_t size) {
  put_message(msg, size, "");
  return 0;
}
inline int fails(char *msg, size_t size, const std::string &why) {
  put_message(msg, size, why);
  return -1;
}

}  // namespace toolorch::testing

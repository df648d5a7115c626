// Helpers shared by the fuzz targets: carving one fuzzer input into the
// several values a parser takes, and a check that stops the run loudly
// (abort, so libFuzzer keeps the input) when a promised property fails.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace toolorch::fuzz {

// FUZZ_CHECK(cond): a property every input must keep (not an assert: it is
// compiled in every build type).
#define FUZZ_CHECK(cond)                                                         \
  do {                                                                           \
    if (!(cond)) {                                                               \
      std::fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                              \
    }                                                                            \
  } while (0)

class Input {
 public:
  Input(const uint8_t *data, size_t size) : rest_(reinterpret_cast<const char *>(data), size) {}

  bool empty() const { return rest_.empty(); }
  // One byte (0 when none is left).
  uint8_t byte() {
    if (rest_.empty()) return 0;
    uint8_t b = static_cast<uint8_t>(rest_[0]);
    rest_.remove_prefix(1);
    return b;
  }
  // The bytes up to the next separator (which is dropped), or all the rest.
  std::string_view until(std::string_view separator) {
    size_t at = rest_.find(separator);
    std::string_view part = rest_.substr(0, at);
    rest_.remove_prefix(at == std::string_view::npos ? rest_.size() : at + separator.size());
    return part;
  }
  std::string_view rest() {
    std::string_view all = rest_;
    rest_ = {};
    return all;
  }

 private:
  std::string_view rest_;
};

}  // namespace toolorch::fuzz

// Helpers shared by the limits unit tests: a RateLimits on the fake clock
// built from JSON, and a recorder of `done` calls.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "fake_scheduler.h"
#include "json/json.h"
#include "limits/config.h"
#include "limits/rate_limits.h"

namespace limits_test {

using toolorch::limits::RateLimits;
using toolorch::loop::Micros;

constexpr Micros kMs = 1000;
constexpr Micros kSec = 1000000;

struct Outcome {
  int tag;
  int status;
  Micros waited;
  Micros at;
};

struct Recorder {
  toolorch::test::FakeScheduler *clock;
  std::vector<Outcome> seen;
  RateLimits::Done done(int tag) {
    return [this, tag](int status, Micros waited) { seen.push_back({tag, status, waited, clock->now_us()}); };
  }
  int count(int status) const {
    int n = 0;
    for (const auto &o : seen) n += o.status == status;
    return n;
  }
};

// Builds RateLimits from the text of the "rate_limits" object; null on error.
inline std::unique_ptr<RateLimits> make(toolorch::test::FakeScheduler *clock, const std::string &json,
                                        std::string *err = nullptr) {
  std::string e;
  auto doc = toolorch::json::parse(json, &e);
  if (!doc) {
    if (err) *err = e;
    return nullptr;
  }
  toolorch::limits::Config cfg;
  if (!toolorch::limits::parse_config(doc.get(), &cfg, err ? err : &e)) return nullptr;
  auto rl = RateLimits::create(clock, nullptr, cfg, err ? err : &e);
  if (rl) rl->set_logger([](const std::string &) {});
  return rl;
}

}  // namespace limits_test

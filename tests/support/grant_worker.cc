#include "grant_worker.h"

#include <event2/event.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "json/json.h"
#include "limits/config.h"
#include "limits/rate_limits.h"
#include "loop/event_loop.h"
#include "toolorch/status.h"

namespace toolorch::test {

using limits::RateLimits;

int run_grant_worker(const char *rate_limits_json, const char *service, int outstanding) {
  std::string err;
  auto doc = toolorch::json::parse(rate_limits_json, &err);
  toolorch::limits::Config cfg;
  if (!doc || !toolorch::limits::parse_config(doc.get(), &cfg, &err)) {
    std::fprintf(stderr, "worker: config: %s\n", err.c_str());
    return 2;
  }
  event_base *base = event_base_new();
  auto loop = toolorch::loop::EventLoop::create_borrowed(base, &err);
  auto rl = loop ? RateLimits::create(loop.get(), base, cfg, &err) : nullptr;
  if (!rl) {
    std::fprintf(stderr, "worker: %s\n", err.c_str());
    return 2;
  }
  auto turn = [&] {
    timeval tv{0, 10000};
    event_base_loopexit(base, &tv);
    event_base_loop(base, EVLOOP_ONCE);
  };
  for (int i = 0; i < 2000 && !rl->backend_stats().connected; ++i) turn();
  if (!rl->backend_stats().connected) {
    std::fprintf(stderr, "worker: no Redis\n");
    return 3;
  }
  std::printf("ready\n");
  std::fflush(stdout);
  char line[128];
  if (!std::fgets(line, sizeof line, stdin) || std::strncmp(line, "go ", 3) != 0) return 4;
  long long end_us = std::atoll(line + 3);

  std::vector<long long> stamps;
  bool stopping = false;
  int failures = 0;
  std::set<RateLimits::Ticket> queued;
  rl->set_grant_observer([&](const std::string &, int64_t at) {
    stamps.push_back(at);
    if (at >= end_us) stopping = true;
  });
  std::function<void()> ask = [&] {
    auto ticket = std::make_shared<RateLimits::Ticket>(0);
    int rc = rl->acquire(service, 1, 0,
                         [&, ticket](int st, toolorch::loop::Micros) {
                           queued.erase(*ticket);
                           if (st != TOOLORCH_OK) ++failures;
                           if (!stopping) ask();
                         },
                         ticket.get());
    if (rc == TOOLORCH_EAGAIN) queued.insert(*ticket);
    else ++failures;  // with Redis every decision is queued
  };
  for (int i = 0; i < outstanding; ++i) ask();
  while (!stopping && failures == 0) turn();
  for (auto t : std::set<RateLimits::Ticket>(queued)) rl->cancel(t);
  // Let the refunds of in-flight grants go out before leaving.
  for (int i = 0; i < 20; ++i) turn();
  for (long long s : stamps) std::printf("grant %lld\n", s);
  std::printf("end %d %llu\n", failures, static_cast<unsigned long long>(rl->backend_stats().fallbacks));
  std::fflush(stdout);
  rl.reset();
  loop.reset();
  event_base_free(base);
  return failures == 0 ? 0 : 1;
}

}  // namespace toolorch::test

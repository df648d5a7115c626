#include "bench_worker.h"

#include <event2/event.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "json/json.h"
#include "limits/rate_limits.h"
#include "loop/event_loop.h"
#include "toolorch/status.h"

using toolorch::limits::RateLimits;

// Protocol: "ready" once connected; then "go <end_us>" on stdin; then one
// "grant <us>" per grant once a grant is stamped at or after end_us; "end".
int bench_worker_main(int argc, char **argv) {
  if (argc != 5) return 2;
  std::string err;
  auto doc = toolorch::json::parse(argv[2], &err);
  toolorch::limits::Config cfg;
  if (!doc || !toolorch::limits::parse_config(doc.get(), &cfg, &err)) return 2;
  std::string service = argv[3];
  int outstanding = std::atoi(argv[4]);
  event_base *base = event_base_new();
  auto loop = toolorch::loop::EventLoop::create_borrowed(base, &err);
  auto rl = loop ? RateLimits::create(loop.get(), base, cfg, &err) : nullptr;
  if (!rl) return 2;
  auto turn = [&] {
    timeval tv{0, 10000};
    event_base_loopexit(base, &tv);
    event_base_loop(base, EVLOOP_ONCE);
  };
  for (int i = 0; i < 2000 && !rl->backend_stats().connected; ++i) turn();
  std::printf("ready\n");
  std::fflush(stdout);
  char line[128];
  if (!std::fgets(line, sizeof line, stdin) || std::strncmp(line, "go ", 3) != 0) return 4;
  long long end_us = std::atoll(line + 3);
  std::vector<long long> stamps;
  bool stopping = false;
  std::set<RateLimits::Ticket> queued;
  rl->set_grant_observer([&](const std::string &, int64_t at) {
    stamps.push_back(at);
    if (at >= end_us) stopping = true;
  });
  std::function<void()> ask = [&] {
    auto ticket = std::make_shared<RateLimits::Ticket>(0);
    int rc = rl->acquire(service, 1, 0,
                         [&, ticket](int, toolorch::loop::Micros) {
                           queued.erase(*ticket);
                           if (!stopping) ask();
                         },
                         ticket.get());
    if (rc == TOOLORCH_EAGAIN) queued.insert(*ticket);
  };
  for (int i = 0; i < outstanding; ++i) ask();
  while (!stopping) turn();
  for (auto t : std::set<RateLimits::Ticket>(queued)) rl->cancel(t);
  for (int i = 0; i < 20; ++i) turn();
  for (long long s : stamps) std::printf("grant %lld\n", s);
  std::printf("end\n");
  std::fflush(stdout);
  rl.reset();
  loop.reset();
  event_base_free(base);
  return 0;
}

// One of the processes of the cross-process test: takes permits of one
// service through Redis as fast as they come and reports each grant's
// Redis TIME stamp.
//
//   limits_redis_worker '<rate_limits JSON>' <service> <outstanding>
// prints "ready" once connected, waits for "go <end_us>" on stdin (a Redis
// TIME in µs), keeps <outstanding> acquires queued until a grant is stamped
// at or after end_us, then prints "grant <us>" per grant and "end".
#include <event2/event.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "json/json.h"
#include "limits/config.h"
#include "limits/rate_limits.h"
#include "loop/event_loop.h"
#include "toolorch/status.h"

using toolorch::limits::RateLimits;

int main(int argc, char **argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s '<rate_limits JSON>' <service> <outstanding>\n", argv[0]);
    return 2;
  }
  std::string err;
  auto doc = toolorch::json::parse(argv[1], &err);
  toolorch::limits::Config cfg;
  if (!doc || !toolorch::limits::parse_config(doc.get(), &cfg, &err)) {
    std::fprintf(stderr, "worker: config: %s\n", err.c_str());
    return 2;
  }
  std::string service = argv[2];
  int outstanding = std::atoi(argv[3]);
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

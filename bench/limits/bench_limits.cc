// bench_limits [--quick]: what the limits cost and how exact they are.
//  1. acquire_ns: one grant of each local algorithm (and of the whole local
//     facade), in steady state with the limit full of recent grants;
//  2. redis_acquires_per_s: grants decided by Redis, one after the other,
//     from one process (a round trip each);
//  3. precision_pct: P processes (1, 4, 16) share 200 calls/s through
//     Redis for 10 s (3 s with --quick): admitted / configured, counted by
//     the Redis TIME stamp of each admission.
// Figures for people first, then one JSON line.
#include <event2/event.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "grant_worker.h"
#include "json/json.h"
#include "limits/concurrency_cap.h"
#include "limits/limiter_spec.h"
#include "limits/rate_limits.h"
#include "loop/event_loop.h"
#include "redis_server.h"
#include "toolorch/status.h"

using namespace toolorch::limits;
using toolorch::loop::Micros;

namespace {

constexpr long long kSec = 1000000;

double wall_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// Steady state: 1000 per second, one request every millisecond, so every
// request is granted and the sliding log always holds 1000 entries.
double limiter_ns(Limiter &l, int n) {
  Micros now = 1000000;
  int granted = 0;
  for (int i = 0; i < 2000; ++i, now += 1000) granted += l.try_take(now, 1);  // warm up
  double t0 = wall_ns();
  for (int i = 0; i < n; ++i, now += 1000) granted += l.try_take(now, 1);
  double ns = (wall_ns() - t0) / n;
  if (granted < n) std::fprintf(stderr, "bench: only %d of %d granted\n", granted, n);
  return ns;
}

// A clock the bench moves by hand; in steady state no timer is needed.
class ManualClock final : public toolorch::loop::Scheduler {
 public:
  Micros now = 1000000;
  Micros now_us() const override { return now; }
  std::unique_ptr<toolorch::loop::Timer> make_timer(std::function<void()>) override {
    return std::make_unique<NoTimer>();
  }
  void post(std::function<void()>) override {}
  bool in_loop_thread() const override { return true; }

 private:
  struct NoTimer final : toolorch::loop::Timer {
    void arm_at(Micros) override { armed_ = true; }
    void disarm() override { armed_ = false; }
    bool armed() const override { return armed_; }
    bool armed_ = false;
  };
};

double facade_ns(int n) {
  ManualClock clock;
  Config cfg;
  ServiceConfig s;
  s.calls = 1000;
  s.tokens = 1e9;
  cfg.services["api"] = s;
  cfg.global_max = 1e6;
  std::string err;
  auto rl = RateLimits::create(&clock, nullptr, cfg, &err);
  RateLimits::Ticket t;
  auto done = [](int, Micros) {};
  double t0 = wall_ns();
  int granted = 0;
  for (int i = 0; i < n; ++i) {
    clock.now += 1000;
    granted += rl->acquire("api", 10, 0, done, &t) == TOOLORCH_OK;
  }
  double ns = (wall_ns() - t0) / n;
  if (granted < n) std::fprintf(stderr, "bench: facade granted only %d of %d\n", granted, n);
  return ns;
}

struct Loop {
  event_base *base = event_base_new();
  std::unique_ptr<toolorch::loop::EventLoop> loop;
  Loop() {
    std::string err;
    loop = toolorch::loop::EventLoop::create_borrowed(base, &err);
  }
  ~Loop() {
    loop.reset();
    event_base_free(base);
  }
  void turn() {
    timeval tv{0, 10000};
    event_base_loopexit(base, &tv);
    event_base_loop(base, EVLOOP_ONCE);
  }
};

std::unique_ptr<RateLimits> redis_limits(Loop &l, const std::string &json) {
  std::string err;
  auto doc = toolorch::json::parse(json, &err);
  Config cfg;
  if (!doc || !parse_config(doc.get(), &cfg, &err)) return nullptr;
  auto rl = RateLimits::create(l.loop.get(), l.base, cfg, &err);
  if (rl) {
    rl->set_logger([](const std::string &) {});
    for (int i = 0; i < 2000 && !rl->backend_stats().connected; ++i) l.turn();
  }
  return rl;
}

// `services` services each keep one acquire in flight for `seconds`.
double redis_rate(const toolorch::test::RedisServer &redis, int services, double seconds) {
  Loop l;
  std::string svcs;
  for (int i = 0; i < services; ++i) svcs += (i ? ", " : "") + std::string("\"s") + std::to_string(i) + "\": {\"calls\": 1e9}";
  auto rl = redis_limits(l, R"({"backend": "redis", "redis_url": ")" + redis.url() +
                                R"(", "key_prefix": "bench:", "algorithm": "gcra", "services": {)" + svcs + "}}");
  if (!rl) return 0;
  long long done_count = 0;
  bool stop = false;
  std::function<void(const std::string &)> ask = [&](const std::string &svc) {
    RateLimits::Ticket t;
    rl->acquire(svc, 1, 0,
                [&, svc](int st, Micros) {
                  if (st == TOOLORCH_OK) ++done_count;
                  if (!stop) ask(svc);
                },
                &t);
  };
  for (int i = 0; i < services; ++i) ask("s" + std::to_string(i));
  double t0 = wall_ns();
  while (wall_ns() - t0 < seconds * 1e9) l.turn();
  double rate = static_cast<double>(done_count) / ((wall_ns() - t0) / 1e9);
  stop = true;
  for (int i = 0; i < 50; ++i) l.turn();
  if (rl->backend_stats().fallbacks) std::fprintf(stderr, "bench: some decisions were local!\n");
  return rate;
}

long long redis_time(const toolorch::test::RedisServer &r) {
  std::string out;
  if (!r.command({"TIME"}, &out)) return 0;
  size_t nl = out.find('\n');
  return std::stoll(out.substr(0, nl)) * kSec + std::stoll(out.substr(nl + 1));
}

// P processes share `rate`/s for `seconds`: admitted / configured in %.
double precision(const toolorch::test::RedisServer &redis, const char *self, int procs, int rate, int seconds,
                 int *worst_window) {
  std::string cfg = R"({"backend": "redis", "redis_url": ")" + redis.url() + R"(", "key_prefix": "prec)" +
                    std::to_string(procs) + R"(:", "services": {"shared": {"calls": )" + std::to_string(rate) +
                    R"(, "window_s": 1}}})";
  struct Kid {
    pid_t pid;
    FILE *in, *out;
  };
  std::vector<Kid> kids;
  for (int i = 0; i < procs; ++i) {
    int to[2], from[2];
    if (pipe(to) != 0 || pipe(from) != 0) return 0;
    pid_t pid = fork();
    if (pid == 0) {
      dup2(to[0], 0);
      dup2(from[1], 1);
      close(to[0]);
      close(to[1]);
      close(from[0]);
      close(from[1]);
      execl(self, self, "--worker", cfg.c_str(), "shared", "4", static_cast<char *>(nullptr));
      _exit(127);
    }
    close(to[0]);
    close(from[1]);
    kids.push_back({pid, fdopen(to[1], "w"), fdopen(from[0], "r")});
  }
  char line[128];
  for (auto &k : kids)
    if (!std::fgets(line, sizeof line, k.out)) return 0;
  long long end = redis_time(redis) + static_cast<long long>(seconds) * kSec + 500000;
  for (auto &k : kids) {
    std::fprintf(k.in, "go %lld\n", end);
    std::fflush(k.in);
  }
  std::vector<long long> stamps;
  for (auto &k : kids) {
    long long v;
    while (std::fgets(line, sizeof line, k.out))
      if (std::sscanf(line, "grant %lld", &v) == 1) stamps.push_back(v);
    waitpid(k.pid, nullptr, 0);
    fclose(k.in);
    fclose(k.out);
  }
  if (stamps.empty()) return 0;
  std::sort(stamps.begin(), stamps.end());
  long long first = stamps.front(), span = static_cast<long long>(seconds) * kSec;
  long long admitted =
      std::count_if(stamps.begin(), stamps.end(), [&](long long s) { return s >= first && s < first + span; });
  *worst_window = 0;
  for (size_t i = 0; i < stamps.size(); ++i) {
    size_t j = std::lower_bound(stamps.begin(), stamps.end(), stamps[i] + kSec) - stamps.begin();
    *worst_window = std::max(*worst_window, static_cast<int>(j - i));
  }
  return 100.0 * static_cast<double>(admitted) / (static_cast<double>(rate) * seconds);
}

}  // namespace

int main(int argc, char **argv) {
  // The competing processes: bench_limits --worker '<rate_limits JSON>' <service> <outstanding>
  if (argc == 5 && std::strcmp(argv[1], "--worker") == 0)
    return toolorch::test::run_grant_worker(argv[2], argv[3], std::atoi(argv[4]));
  bool quick = argc >= 2 && std::strcmp(argv[1], "--quick") == 0;
  signal(SIGPIPE, SIG_IGN);
  int n = quick ? 200000 : 2000000;

  std::map<std::string, double> ns;
  for (Algorithm a : {Algorithm::kSlidingWindow, Algorithm::kTokenBucket, Algorithm::kGcra}) {
    auto l = make_limiter(make_spec(a, 1000, 1));
    ns[algorithm_name(a)] = limiter_ns(*l, n);
  }
  {
    ConcurrencyCap c(1 << 30);
    ns["concurrency"] = limiter_ns(c, n);
  }
  ns["facade_local"] = facade_ns(n / 4);
  std::printf("acquire cost (ns per grant, steady state):\n");
  for (const auto &[k, v] : ns) std::printf("  %-15s %8.1f\n", k.c_str(), v);

  toolorch::test::RedisServer redis;
  std::string err;
  if (!redis.start(&err)) {
    std::fprintf(stderr, "bench_limits: %s\n", err.c_str());
    return 1;
  }
  double rt = redis_rate(redis, 1, quick ? 0.5 : 2);
  double rt16 = redis_rate(redis, 16, quick ? 0.5 : 2);
  std::printf("Redis: %.0f acquires/s one after another (one process, one service); %.0f/s with 16 services in flight\n",
              rt, rt16);

  int seconds = quick ? 3 : 10;
  std::map<int, double> pct;
  for (int p : {1, 4, 16}) {
    int worst = 0;
    pct[p] = precision(redis, argv[0], p, 200, seconds, &worst);
    std::printf("precision: %2d process(es) sharing 200/s for %d s: %.2f%% of configured admitted, busiest 1-s window %d\n",
                p, seconds, pct[p], worst);
  }

  std::printf("{\"bench\":\"limits\",\"acquire_ns\":{");
  bool first = true;
  for (const auto &[k, v] : ns) {
    std::printf("%s\"%s\":%.1f", first ? "" : ",", k.c_str(), v);
    first = false;
  }
  std::printf("},\"redis_acquires_per_s\":%.0f,\"precision_pct\":{\"1\":%.2f,\"4\":%.2f,\"16\":%.2f}}\n", rt, pct[1],
              pct[4], pct[16]);
  return 0;
}

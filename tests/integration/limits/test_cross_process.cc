// Four processes share one 200-per-second limit through Redis for 3 s:
// together they must admit 600 +- 2%, and no 1-second window may hold more
// than 200. Admissions are counted by the Redis TIME stamp each was
// decided at; nothing is asserted on elapsed time. Run against one
// redis-server, then against a 3-master Redis Cluster (redis+cluster://).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

#include "cmocka_cpp.h"
#include "redis_server.h"
#include "redis_test_cluster.h"

namespace {

const char *g_worker;
constexpr long long kSec = 1000000;

struct Child {
  pid_t pid = -1;
  FILE *in = nullptr;   // its stdin
  FILE *out = nullptr;  // its stdout
};

Child spawn(const std::vector<std::string> &argv) {
  int to[2], from[2];
  if (pipe(to) != 0 || pipe(from) != 0) fail_msg("pipe failed");
  Child c;
  c.pid = fork();
  if (c.pid < 0) fail_msg("fork failed");
  if (c.pid == 0) {
    dup2(to[0], 0);
    dup2(from[1], 1);
    close(to[0]);
    close(to[1]);
    close(from[0]);
    close(from[1]);
    std::vector<char *> args;
    for (const auto &a : argv) args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(to[0]);
  close(from[1]);
  c.in = fdopen(to[1], "w");
  c.out = fdopen(from[0], "r");
  return c;
}

long long redis_time(const toolorch::test::RedisServer &r) {
  std::string out;
  if (!r.command({"TIME"}, &out)) fail_msg("TIME failed: %s", out.c_str());
  size_t nl = out.find('\n');
  return std::stoll(out.substr(0, nl)) * kSec + std::stoll(out.substr(nl + 1));
}

// redis: where TIME is asked (the cluster's nodes share the host's clock).
void four_processes_share_200_per_second(const toolorch::test::RedisServer &redis, const std::string &url) {
  std::string cfg = R"({"backend": "redis", "redis_url": ")" + url +
                    R"(", "key_prefix": "xp:", "services": {"shared": {"calls": 200, "window_s": 1}}})";
  std::vector<Child> kids;
  for (int i = 0; i < 4; ++i) kids.push_back(spawn({g_worker, cfg, "shared", "8"}));
  char line[256];
  for (auto &k : kids)
    if (!std::fgets(line, sizeof line, k.out) || std::strcmp(line, "ready\n") != 0)
      fail_msg("a worker did not get ready");
  long long go = redis_time(redis);
  long long end = go + 3 * kSec + 500000;  // room for the start, still well inside
  for (auto &k : kids) {
    std::fprintf(k.in, "go %lld\n", end);
    std::fflush(k.in);
  }
  std::vector<long long> stamps;
  for (auto &k : kids) {
    bool ended = false;
    while (std::fgets(line, sizeof line, k.out)) {
      long long v;
      int failures;
      unsigned long long fallbacks;
      if (std::sscanf(line, "grant %lld", &v) == 1) stamps.push_back(v);
      if (std::sscanf(line, "end %d %llu", &failures, &fallbacks) == 2) {
        ended = true;
        assert_int_equal(failures, 0);
        assert_int_equal(fallbacks, 0);  // every decision was Redis's
      }
    }
    assert_true(ended);
    int status = 0;
    waitpid(k.pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    fclose(k.in);
    fclose(k.out);
  }
  std::sort(stamps.begin(), stamps.end());
  assert_true(stamps.size() > 600);
  long long first = stamps.front();
  if (first + 3 * kSec > end) fail_msg("the workers began %lld us after go: too late to cover 3 s", first - go);
  long long in_3s = std::count_if(stamps.begin(), stamps.end(),
                                  [&](long long s) { return s >= first && s < first + 3 * kSec; });
  int worst = 0;
  for (size_t i = 0; i < stamps.size(); ++i) {
    size_t j = std::lower_bound(stamps.begin(), stamps.end(), stamps[i] + kSec) - stamps.begin();
    worst = std::max(worst, static_cast<int>(j - i));
  }
  std::printf("admitted in the first 3 s: %lld (600 configured); busiest 1-s window: %d (limit 200)\n", in_3s,
              worst);
  assert_true(in_3s >= 588 && in_3s <= 612);
  assert_true(worst <= 200);
}

void on_one_server(void **) {
  toolorch::test::RedisServer redis;
  std::string err;
  if (!redis.start(&err)) fail_msg("cannot start redis-server: %s", err.c_str());
  four_processes_share_200_per_second(redis, redis.url());
}

void on_a_cluster(void **) {
  toolorch::test::RedisTestCluster cluster;
  std::string err;
  if (!cluster.start(3, &err)) fail_msg("cannot start the Redis Cluster: %s", err.c_str());
  four_processes_share_200_per_second(cluster.node(0), cluster.url());
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <path of limits_redis_worker>\n", argv[0]);
    return 2;
  }
  g_worker = argv[1];
  signal(SIGPIPE, SIG_IGN);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(on_one_server),
      cmocka_unit_test(on_a_cluster),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

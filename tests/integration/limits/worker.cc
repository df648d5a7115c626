// One of the processes of the cross-process test (tests/support/grant_worker.h).
//
//   limits_redis_worker '<rate_limits JSON>' <service> <outstanding>
#include <cstdio>
#include <cstdlib>

#include "grant_worker.h"

int main(int argc, char **argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s '<rate_limits JSON>' <service> <outstanding>\n", argv[0]);
    return 2;
  }
  return toolorch::test::run_grant_worker(argv[1], argv[2], std::atoi(argv[3]));
}

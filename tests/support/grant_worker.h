// One process of the cross-process Redis tests and the precision bench:
// takes permits of one service through Redis as fast as they come and
// reports each grant's Redis TIME stamp. Both re-execute a binary as four of
// these and count the grants in a window against the configured rate.
//
// Protocol on stdout/stdin: "ready" once connected; then it waits for
// "go <end_us>" (a Redis TIME in µs), keeps <outstanding> acquires queued
// until a grant is stamped at or after end_us, then prints "grant <us>" per
// grant and "end <failures> <fallbacks>".
#pragma once

namespace toolorch::test {

// Returns the process's exit status: 0 when every acquire was granted,
// 1 when one failed, 2 on a bad configuration, 3 without Redis, 4 without "go".
int run_grant_worker(const char *rate_limits_json, const char *service, int outstanding);

}  // namespace toolorch::test

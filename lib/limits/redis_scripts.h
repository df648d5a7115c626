// The Lua twins of the local algorithms: one script per algorithm, each
// atomic on the server and using the server's TIME, so every process
// agrees on one clock. They compute with the same operations in the same
// order as token_bucket.cc, gcra.cc and sliding_window.cc, so a sequence
// run both ways gives equal answers (tests/integration/limits checks it).
//
// Calling convention (EVALSHA sha nkeys KEYS... ARGV...):
//   KEYS: per limiter, keys_per_limiter() keys, all under one {service}
//         hash tag, so the scripts run unchanged on Redis Cluster.
//   ARGV[1] op: "acquire" (all limiters or none), "refund" (undo the grant
//           ARGV[3]), "force" (take, even into debt), "reduce" (give back
//           an over-estimate; the sliding log lowers its oldest entries)
//   ARGV[2] now in microseconds, or "" for redis.call('TIME') (tests pin it)
//   ARGV[3] grant id (unique per acquire; names the sliding-log entries)
//   then 4 values per limiter: p1 p2 p3 cost
//     sliding_window: limit  window_us  0            cost
//     token_bucket:   capacity amount   interval_us  cost
//     gcra:           emission_us burst 0            cost
// Reply: {status, wait_us, now_us} as strings; status "1" granted (or op
// done), "0" refused (wait_us until it can be had), "-1" never (cost above
// the capacity).
#pragma once

#include <string>

#include "limits/config.h"

namespace toolorch::limits {

const std::string &script_text(Algorithm a);
int keys_per_limiter(Algorithm a);

}  // namespace toolorch::limits

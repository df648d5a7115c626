// The competing process of the precision bench: like the cross-process
// test's worker, it takes permits through Redis as fast as they come and
// prints each grant's Redis TIME stamp.
#pragma once

// bench_limits --worker '<rate_limits JSON>' <service> <outstanding>
int bench_worker_main(int argc, char **argv);

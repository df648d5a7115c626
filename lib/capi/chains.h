// The "chains" context option, registered by toolorch_new (capi/chain.cc).
#pragma once

struct toolorch_ctx;

namespace toolorch::capi {

// Register every chain the option lists; the status and its detail (set
// with no context, as toolorch_new reports) on the first bad one.
int register_chains_option(toolorch_ctx *ctx);

}  // namespace toolorch::capi

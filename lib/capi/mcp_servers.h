// The "mcp_servers" context option, started by toolorch_new (capi/mcp.cc).
#pragma once

struct toolorch_ctx;

namespace toolorch::capi {

// Start every server the option lists. Owned mode waits for each (its tools
// registered, or it failed: the status, the detail set with no context, as
// toolorch_new reports); borrowed mode starts them and returns. Not on the
// loop thread in owned mode.
int start_mcp_servers(toolorch_ctx *ctx);

}  // namespace toolorch::capi

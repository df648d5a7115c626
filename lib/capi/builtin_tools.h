// Glue between the C handles and lib/tools: the runner of a tool made with
// toolorch_tool_set_http or toolorch_tool_set_command.
#pragma once

#include <string>

#include "capi/handles.h"

namespace toolorch::capi {

// Make the runner of a tool about to be registered on ctx, into
// spec->runner: the built-in kinds' (remembered in ctx->runners, shut down
// by toolorch_free), else a C function's, else the external runner's
// (capi/runners.h). False + *err if it cannot be made. [any thread]
bool attach_runner(toolorch_ctx *ctx, const toolorch_tool *tool, core::ToolSpec *spec, std::string *err);

// True if s holds CR or LF (refused in URLs and headers).
bool has_ctl(const char *s);

}  // namespace toolorch::capi

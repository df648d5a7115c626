// Glue between the C handles and lib/tools: the runner of a tool made with
// toolorch_tool_set_http or toolorch_tool_set_command.
#pragma once

#include <string>

#include "capi/handles.h"

namespace toolorch::capi {

// If tool is a built-in kind, make its runner bound to ctx, set
// spec->runner and remember it in ctx->runners (shut down by toolorch_free).
// True when there is nothing to do. [any thread]
bool attach_builtin_runner(toolorch_ctx *ctx, const toolorch_tool *tool, core::ToolSpec *spec, std::string *err);

// True if s holds CR or LF (refused in URLs and headers).
bool has_ctl(const char *s);

}  // namespace toolorch::capi

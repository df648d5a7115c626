// toolorch_tool_*: describe a tool, then register a copy of it.
#include <toolorch/tool.h>

#include "capi/border.h"
#include "capi/builtin_tools.h"
#include "capi/handles.h"

using toolorch::capi::fail;
using toolorch::capi::invalid;
using toolorch::capi::guarded;
using toolorch::capi::guarded_ptr;

extern "C" {

toolorch_tool *toolorch_tool_new(const char *name) {
  if (!name || !*name) {
    invalid(nullptr, "toolorch_tool_new", "the name is NULL or empty");
    return nullptr;
  }
  return guarded_ptr<toolorch_tool>(nullptr, [&] {
    auto *t = new toolorch_tool();
    t->spec.name = name;
    return t;
  });
}

void toolorch_tool_free(toolorch_tool *tool) { delete tool; }

int toolorch_tool_set_description(toolorch_tool *tool, const char *description) {
  if (!tool || !description) return invalid(nullptr, "toolorch_tool_set_description", "tool or description is NULL");
  return guarded(nullptr, [&]() -> int {
    tool->spec.description = description;
    return TOOLORCH_OK;
  });
}

int toolorch_tool_set_schema(toolorch_tool *tool, const char *schema_json) {
  if (!tool || !schema_json) return invalid(nullptr, "toolorch_tool_set_schema", "tool or schema_json is NULL");
  return guarded(nullptr, [&]() -> int {
    tool->spec.schema_json = schema_json;
    return TOOLORCH_OK;
  });
}

int toolorch_tool_set_flags(toolorch_tool *tool, unsigned flags) {
  if (!tool) return invalid(nullptr, "toolorch_tool_set_flags", "tool is NULL");
  const unsigned known = TOOLORCH_TOOL_SIDE_EFFECT_FREE | TOOLORCH_TOOL_BLOCKING | TOOLORCH_TOOL_RETRYABLE;
  if (flags & ~known) return invalid(nullptr, "toolorch_tool_set_flags", "unknown flag bits");
  tool->spec.flags = flags;
  return TOOLORCH_OK;
}

int toolorch_tool_set_service(toolorch_tool *tool, const char *service) {
  if (!tool || !service) return invalid(nullptr, "toolorch_tool_set_service", "tool or service is NULL");
  return guarded(nullptr, [&]() -> int {
    tool->spec.service = service;
    return TOOLORCH_OK;
  });
}

int toolorch_tool_set_max_parallel(toolorch_tool *tool, int max_parallel) {
  if (!tool || max_parallel < 0) return invalid(nullptr, "toolorch_tool_set_max_parallel", "tool is NULL or max_parallel < 0");
  tool->spec.max_parallel = max_parallel;
  return TOOLORCH_OK;
}

int toolorch_tool_set_timeout_ms(toolorch_tool *tool, int64_t timeout_ms) {
  if (!tool || timeout_ms < 0) return invalid(nullptr, "toolorch_tool_set_timeout_ms", "tool is NULL or timeout_ms < 0");
  tool->spec.timeout_ms = timeout_ms;
  return TOOLORCH_OK;
}

int toolorch_tool_set_fn(toolorch_tool *tool, toolorch_tool_fn fn, void *userdata) {
  if (!tool) return invalid(nullptr, "toolorch_tool_set_fn", "tool is NULL");
  tool->fn = fn;
  tool->fn_userdata = userdata;
  return TOOLORCH_OK;
}

int toolorch_tool_set_retry(toolorch_tool *tool, int retry_attempts, int backoff, int64_t base_ms,
                            int64_t max_ms) {
  if (!tool || retry_attempts < 0 || retry_attempts > 1000 || base_ms < 0 || max_ms < base_ms)
    return invalid(nullptr, "toolorch_tool_set_retry",
                   "tool is NULL, or not 0 <= retry_attempts <= 1000 and 0 <= base_ms <= max_ms");
  using Kind = toolorch::core::BackoffPolicy::Kind;
  switch (backoff) {
    case TOOLORCH_BACKOFF_EXPONENTIAL: tool->spec.retry_backoff.kind = Kind::kExponential; break;
    case TOOLORCH_BACKOFF_LINEAR: tool->spec.retry_backoff.kind = Kind::kLinear; break;
    case TOOLORCH_BACKOFF_FIXED: tool->spec.retry_backoff.kind = Kind::kFixed; break;
    default: return invalid(nullptr, "toolorch_tool_set_retry", "backoff is not a TOOLORCH_BACKOFF_* value");
  }
  tool->spec.retry_attempts = retry_attempts;
  tool->spec.retry_backoff.base_ms = base_ms;
  tool->spec.retry_backoff.max_ms = max_ms;
  return TOOLORCH_OK;
}

int toolorch_register_tool(toolorch_ctx *ctx, const toolorch_tool *tool) {
  if (!ctx || !tool) return invalid(ctx, "toolorch_register_tool", "ctx or tool is NULL");
  return guarded(ctx, [&]() -> int {
    if (ctx->closing.load()) return fail(ctx, TOOLORCH_ECLOSED, "the context is shutting down");
    std::string err;
    toolorch::core::ToolSpec spec = tool->spec;
    if (!toolorch::capi::attach_runner(ctx, tool, &spec, &err)) return fail(ctx, TOOLORCH_EINTERNAL, err);
    auto t = toolorch::core::Tool::create(spec, &err);
    if (!t) return fail(ctx, TOOLORCH_ESCHEMA, err);
    int rc = ctx->engine->registry().add(std::move(t), &err);
    if (rc) return fail(ctx, rc, err);
    return TOOLORCH_OK;
  });
}

}  // extern "C"

/* What the C API tests share: a context in owned-loop mode, external tools
 * (no fn: their calls are handed out as TOOL_CALL through the queue), and
 * reading the queue for one type of event. Include after <cmocka.h>. */
#ifndef TOOLORCH_TESTS_CAPI_FIXTURE_H
#define TOOLORCH_TESTS_CAPI_FIXTURE_H

#include <toolorch/toolorch.h>

/* Options left at their default when 0. */
static inline toolorch_ctx *fixture_ctx(int max_parallel_tools, int tool_timeout_ms) {
  toolorch_opts *o = toolorch_opts_new();
  if (max_parallel_tools) assert_int_equal(toolorch_opts_set_int(o, "max_parallel_tools", max_parallel_tools), TOOLORCH_OK);
  if (tool_timeout_ms) assert_int_equal(toolorch_opts_set_int(o, "tool_timeout_ms", tool_timeout_ms), TOOLORCH_OK);
  toolorch_ctx *ctx = toolorch_new(o, NULL);
  toolorch_opts_free(o);
  assert_non_null(ctx);
  return ctx;
}

static inline void fixture_external_tool(toolorch_ctx *ctx, const char *name) {
  toolorch_tool *t = toolorch_tool_new(name);
  assert_int_equal(toolorch_register_tool(ctx, t), TOOLORCH_OK);
  toolorch_tool_free(t);
}

/* The next event of `type` within 30 s, the others (CALL_STARTED, ...)
 * skipped and freed; the caller frees it. */
static inline toolorch_event *fixture_next_of(toolorch_ctx *ctx, int type) {
  for (;;) {
    toolorch_event *ev = NULL;
    assert_int_equal(toolorch_next_event(ctx, 30000, &ev), TOOLORCH_OK);
    if (toolorch_event_type_of(ev) == type) return ev;
    toolorch_event_free(ev);
  }
}

/* The same for a batch's own queue (toolorch_batch_new_queued). */
static inline toolorch_event *fixture_next_of_batch(toolorch_batch *batch, int type) {
  for (;;) {
    toolorch_event *ev = NULL;
    assert_int_equal(toolorch_batch_next_event(batch, 30000, &ev), TOOLORCH_OK);
    if (toolorch_event_type_of(ev) == type) return ev;
    toolorch_event_free(ev);
  }
}

#endif

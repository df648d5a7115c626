// Events: the callback, the queue and its fd, and the accessors.
#include <toolorch/event.h>

#include "capi/border.h"
#include "capi/handles.h"

using toolorch::capi::event_of;
using toolorch::capi::fail;
using toolorch::capi::invalid;
using toolorch::capi::guarded;

namespace toolorch::capi {

int next_event_from(toolorch_ctx *ctx, EventQueue *q, int timeout_ms, toolorch_event **out) {
  *out = nullptr;
  return guarded(ctx, [&]() -> int {
    if (timeout_ms != 0 && ctx->loop->in_loop_thread())
      return fail(ctx, TOOLORCH_EMODE, "waiting on the loop thread would stall the loop that makes the events");
    core::EventPtr ev;
    int rc = q->pop(timeout_ms, &ev);
    if (rc == TOOLORCH_OK) *out = handle_of(ev.release());
    return rc;
  });
}

}  // namespace toolorch::capi

extern "C" {

int toolorch_set_event_fn(toolorch_ctx *ctx, toolorch_event_fn fn, void *userdata) {
  if (!ctx) return invalid(nullptr, "toolorch_set_event_fn", "ctx is NULL");
  return guarded(ctx, [&]() -> int {
    return ctx->on_loop([&]() -> int {
      ctx->event_fn = fn;
      ctx->event_ud = userdata;
      return TOOLORCH_OK;
    });
  });
}

int toolorch_next_event(toolorch_ctx *ctx, int timeout_ms, toolorch_event **out) {
  if (!ctx || !out) return invalid(ctx, "toolorch_next_event", "ctx or out is NULL");
  return toolorch::capi::next_event_from(ctx, &ctx->queue, timeout_ms, out);
}

int toolorch_event_fd(const toolorch_ctx *ctx) { return ctx ? ctx->queue.fd() : -1; }

void toolorch_event_free(toolorch_event *event) {
  delete reinterpret_cast<toolorch::core::Event *>(event);
}

int toolorch_event_type_of(const toolorch_event *e) { return e ? event_of(e)->type : TOOLORCH_EVENT_NONE; }

const char *toolorch_event_type_name(int type) {
  switch (type) {
    case TOOLORCH_EVENT_TOOL_CALL: return "tool_call";
    case TOOLORCH_EVENT_CALL_STARTED: return "call_started";
    case TOOLORCH_EVENT_CALL_RESULT: return "call_result";
    case TOOLORCH_EVENT_BATCH_DONE: return "batch_done";
    case TOOLORCH_EVENT_TEXT_DELTA: return "text_delta";
    case TOOLORCH_EVENT_LLM_TOOL_CALL: return "llm_tool_call";
    case TOOLORCH_EVENT_USAGE: return "usage";
    case TOOLORCH_EVENT_ROUND_DONE: return "round_done";
    case TOOLORCH_EVENT_JOB_DONE: return "job_done";
    case TOOLORCH_EVENT_TOOL_CANCELLED: return "tool_cancelled";
    case TOOLORCH_EVENT_SPECULATION: return "speculation";
    case TOOLORCH_EVENT_PROGRESS: return "progress";
    case TOOLORCH_EVENT_LLM_REQUEST: return "llm_request";
    case TOOLORCH_EVENT_LLM_RESPONSE: return "llm_response";
    case TOOLORCH_EVENT_LLM_RETRY: return "llm_retry";
    case TOOLORCH_EVENT_RATE_LIMIT_WAIT: return "rate_limit_wait";
    case TOOLORCH_EVENT_CHAIN_ARGS: return "chain_args";
    case TOOLORCH_EVENT_SCORE: return "score";
    default: return "none";
  }
}

void *toolorch_event_userdata(const toolorch_event *e) { return e ? event_of(e)->userdata : nullptr; }
toolorch_batch *toolorch_event_batch(const toolorch_event *e) {
  if (!e || event_of(e)->source_kind != toolorch::core::kSourceBatch) return nullptr;
  return static_cast<toolorch_batch *>(event_of(e)->source);
}
toolorch_call *toolorch_event_call(const toolorch_event *e) {
  return e ? toolorch::capi::handle_of(event_of(e)->call.get()) : nullptr;
}
const char *toolorch_event_call_id(const toolorch_event *e) {
  return e ? toolorch::core::event_call_id(*event_of(e)).c_str() : "";
}
const char *toolorch_event_parent_call_id(const toolorch_event *e) {
  return e ? toolorch::core::event_parent_call_id(*event_of(e)).c_str() : "";
}
const char *toolorch_event_tool_name(const toolorch_event *e) {
  return e ? toolorch::core::event_tool_name(*event_of(e)).c_str() : "";
}
const char *toolorch_event_json(const toolorch_event *e) {
  return e ? toolorch::core::event_json(*event_of(e)).c_str() : "";
}
const char *toolorch_event_text(const toolorch_event *e) {
  return e ? toolorch::core::event_text(*event_of(e)).c_str() : "";
}
size_t toolorch_event_text_len(const toolorch_event *e) {
  return e ? toolorch::core::event_text(*event_of(e)).size() : 0;
}
int toolorch_event_call_state(const toolorch_event *e) { return e ? event_of(e)->call_state : 0; }
int toolorch_event_status(const toolorch_event *e) { return e ? event_of(e)->status : TOOLORCH_EINVAL; }
int64_t toolorch_event_run_us(const toolorch_event *e) { return e ? event_of(e)->run_us : 0; }
int64_t toolorch_event_wait_us(const toolorch_event *e) { return e ? event_of(e)->wait_us : 0; }
int toolorch_event_attempts(const toolorch_event *e) { return e ? event_of(e)->attempts : 0; }
int toolorch_event_max_attempts(const toolorch_event *e) { return e ? event_of(e)->max_attempts : 0; }
int toolorch_event_http_status(const toolorch_event *e) { return e ? event_of(e)->http_status : 0; }

double toolorch_event_progress(const toolorch_event *e) { return e ? event_of(e)->progress : 0; }
double toolorch_event_progress_total(const toolorch_event *e) { return e ? event_of(e)->progress_total : 0; }
const char *toolorch_event_group(const toolorch_event *e) { return e ? event_of(e)->group.c_str() : ""; }

}  // extern "C"

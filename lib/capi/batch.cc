// toolorch_batch_*: many calls without an LLM.
#include <toolorch/batch.h>

#include "capi/border.h"
#include "capi/handles.h"

using toolorch::capi::fail;
using toolorch::capi::invalid;
using toolorch::capi::guarded;
using toolorch::capi::guarded_ptr;

namespace {

toolorch_batch *make_batch(toolorch_ctx *ctx, void *userdata, bool queued, const char *fn) {
  if (!ctx) {
    invalid(nullptr, fn, "ctx is NULL");
    return nullptr;
  }
  return guarded_ptr<toolorch_batch>(ctx, [&]() -> toolorch_batch * {
    if (ctx->closing.load()) {
      fail(ctx, TOOLORCH_ECLOSED, "the context is shutting down");
      return nullptr;
    }
    auto b = std::make_unique<toolorch_batch>();
    b->ctx = ctx;
    b->userdata = userdata;
    if (queued) b->own_queue = std::make_shared<toolorch::capi::EventQueue>(false);
    b->impl = std::make_unique<toolorch::core::Batch>(&ctx->engine->dispatcher(), ctx, userdata, b.get());
    toolorch_batch *raw = b.get();
    if (ctx->owned && !ctx->loop->in_loop_thread()) {
      // Owned mode from another thread: posted, not waited for (a round
      // trip to the loop thread before the first add). Whatever the caller
      // does next with the batch on the loop (submit, cancel, free) is
      // posted after this. A close that ran first has not seen the batch:
      // it is cut off here as the close would have (its BATCH_DONE, of
      // status ECLOSED, if it has its own queue).
      ctx->loop->post([ctx, raw] {
        ctx->batches.insert(raw);
        if (ctx->closing.load()) ctx->end_batch_closed(raw);
      });
      return b.release();
    }
    int rc = ctx->on_loop([&]() -> int {
      // A close that ran before this would not give the batch its end.
      if (ctx->closing.load()) return fail(ctx, TOOLORCH_ECLOSED, "the context is shutting down");
      ctx->batches.insert(raw);
      return TOOLORCH_OK;
    });
    if (rc) return nullptr;
    return b.release();
  });
}

}  // namespace

namespace toolorch::capi {

int batch_add(toolorch_batch *batch, const char *tool_name, const char *args_json, const char *call_id,
              const char *group) {
  toolorch_ctx *ctx = batch->ctx;
  return guarded(ctx, [&]() -> int {
    // After submit the loop thread owns the batch's list of calls.
    if (batch->submit_requested.load()) return fail(ctx, TOOLORCH_ESTATE, "the batch was submitted already");
    int rc = batch->impl->add(tool_name, args_json ? args_json : "{}", call_id ? call_id : "", group ? group : "");
    if (rc == TOOLORCH_EINVAL) return fail(ctx, rc, std::string("no group \"") + group + "\" in this batch");
    if (rc == TOOLORCH_EEXIST)
      return fail(ctx, rc, std::string("call id \"") + call_id + "\" is used already in this batch");
    if (rc == TOOLORCH_ETOOBIG) return fail(ctx, rc, "a tool name, arguments or call id of 4 GiB or more");
    if (rc) return fail(ctx, rc, "the batch was submitted already");
    return TOOLORCH_OK;
  });
}

}  // namespace toolorch::capi

extern "C" {

toolorch_batch *toolorch_batch_new(toolorch_ctx *ctx, void *userdata) {
  return make_batch(ctx, userdata, false, "toolorch_batch_new");
}

toolorch_batch *toolorch_batch_new_queued(toolorch_ctx *ctx, void *userdata) {
  return make_batch(ctx, userdata, true, "toolorch_batch_new_queued");
}

int toolorch_batch_next_event(toolorch_batch *batch, int timeout_ms, toolorch_event **out) {
  if (!batch || !out) return invalid(batch ? batch->ctx : nullptr, "toolorch_batch_next_event", "batch or out is NULL");
  if (!batch->own_queue)
    return fail(batch->ctx, TOOLORCH_EMODE,
                "the batch was made by toolorch_batch_new: its events go to the context (toolorch_next_event)");
  return toolorch::capi::next_event_from(batch->ctx, batch->own_queue.get(), timeout_ms, out);
}

int toolorch_batch_add(toolorch_batch *batch, const char *tool_name, const char *args_json,
                       const char *call_id) {
  if (!batch || !tool_name) return invalid(batch ? batch->ctx : nullptr, "toolorch_batch_add", "batch or tool_name is NULL");
  return toolorch::capi::batch_add(batch, tool_name, args_json, call_id, nullptr);
}

int toolorch_batch_submit(toolorch_batch *batch) {
  if (!batch) return invalid(nullptr, "toolorch_batch_submit", "batch is NULL");
  toolorch_ctx *ctx = batch->ctx;
  return guarded(ctx, [&]() -> int {
    if (ctx->closing.load()) return fail(ctx, TOOLORCH_ECLOSED, "the context is shutting down");
    if (batch->submit_requested.exchange(true)) return fail(ctx, TOOLORCH_ESTATE, "the batch was submitted already");
    if (ctx->loop->in_loop_thread()) return batch->impl->submit();
    if (!ctx->owned)
      return fail(ctx, TOOLORCH_EMODE,
                  "in borrowed-loop mode this function must be called on the thread running the event_base");
    // Owned mode: don't make the caller wait while the loop starts thousands
    // of calls; it can consume the first events while the rest are started.
    ctx->loop->post([ctx, batch] {
      if (ctx->batches.count(batch)) batch->impl->submit();
    });
    return TOOLORCH_OK;
  });
}

int toolorch_batch_cancel(toolorch_batch *batch) {
  if (!batch) return invalid(nullptr, "toolorch_batch_cancel", "batch is NULL");
  toolorch_ctx *ctx = batch->ctx;
  return guarded(ctx, [&]() -> int {
    return ctx->cancel_on_loop([ctx, batch]() -> int {
      if (ctx->batches.count(batch)) batch->impl->cancel();
      return TOOLORCH_OK;
    });
  });
}

int toolorch_batch_cancel_call(toolorch_batch *batch, const char *call_id) {
  if (!batch || !call_id)
    return invalid(batch ? batch->ctx : nullptr, "toolorch_batch_cancel_call", "batch or call_id is NULL");
  toolorch_ctx *ctx = batch->ctx;
  std::string id(call_id);
  return guarded(ctx, [&]() -> int {
    return ctx->cancel_on_loop([ctx, batch, id]() -> int {
      if (!ctx->batches.count(batch)) return TOOLORCH_OK;
      int rc = batch->impl->cancel_call(id);
      if (rc == TOOLORCH_EINVAL) return fail(ctx, rc, "no call \"" + id + "\" in this batch");
      if (rc == TOOLORCH_ELATE) return fail(ctx, rc, "call \"" + id + "\" had ended already");
      return rc;
    });
  });
}

size_t toolorch_batch_size(const toolorch_batch *batch) { return batch ? batch->impl->size() : 0; }
size_t toolorch_batch_ended(const toolorch_batch *batch) { return batch ? batch->impl->ended() : 0; }

void toolorch_batch_free(toolorch_batch *batch) {
  if (!batch) return;
  toolorch_ctx *ctx = batch->ctx;
  guarded(ctx, [&]() -> int {
    return ctx->on_loop([&]() -> int {
      // Detach now (no more events); delete on a later pass, since we may be
      // inside one of this batch's own event callbacks.
      batch->impl->detach();
      ctx->loop->post([ctx, batch] {
        if (ctx->batches.erase(batch)) delete batch;
      });
      return TOOLORCH_OK;
    });
  });
}

}  // extern "C"

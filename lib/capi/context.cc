// toolorch_new, toolorch_new_with_base, toolorch_free, toolorch_close and the
// context's counters.
#include <toolorch/toolorch.h>
#include <toolorch/toolorch_libevent.h>

#include "capi/border.h"
#include "capi/handles.h"
#include "capi/chains.h"
#include "capi/mcp_servers.h"
#include "core/option_sections.h"

using toolorch::capi::fail;
using toolorch::capi::guarded;
using toolorch::capi::guarded_ptr;

namespace toolorch::capi {

std::shared_ptr<EventQueue> *own_queue_of(const core::Event &ev) {
  std::shared_ptr<EventQueue> *q = nullptr;
  if (ev.source && ev.source_kind == core::kSourceJob) q = &static_cast<toolorch_job *>(ev.source)->own_queue;
  if (ev.source && ev.source_kind == core::kSourceBatch) q = &static_cast<toolorch_batch *>(ev.source)->own_queue;
  return q && *q ? q : nullptr;
}

namespace {

// The end of a queued job or batch that the context's close cut off.
core::EventPtr closed_final(int type, void *userdata, void *source, int source_kind) {
  auto ev = std::make_unique<core::Event>();
  ev->type = type;
  ev->userdata = userdata;
  ev->source = source;
  ev->source_kind = source_kind;
  ev->status = TOOLORCH_ECLOSED;
  ev->text = type == TOOLORCH_EVENT_JOB_DONE ? "the context was closed before the job ended"
                                             : "the context was closed before the batch ended";
  return ev;
}

}  // namespace
}  // namespace toolorch::capi

void toolorch_ctx::emit(toolorch::core::EventPtr ev) {
  if (closing.load(std::memory_order_acquire)) return;
  if (std::shared_ptr<toolorch::capi::EventQueue> *own = toolorch::capi::own_queue_of(*ev)) {
    if (ev->type != TOOLORCH_EVENT_JOB_DONE && ev->type != TOOLORCH_EVENT_BATCH_DONE) {
      (*own)->push(std::move(ev));
      return;
    }
    // The end goes after what this loop pass still emits about the run
    // (event_queue.h, hold_final); the queue outlives a handle freed meanwhile.
    (*own)->hold_final(std::move(ev));
    loop->post([q = *own] { q->release_final(); });
    return;
  }
  if (event_fn) {
    try {
      toolorch::capi::CallbackScope scope;
      event_fn(toolorch::capi::handle_of(ev.get()), event_ud);
    } catch (...) {
      // A C++ host's callback threw: nothing sensible to do but drop it.
    }
    return;
  }
  if (loop->in_loop_thread() && loop->draining()) {  // handed over at the pass's end
    pending_events.push_back(std::move(ev));
    if (pending_events.size() >= kEventsPerHandover) hand_over_events();
    return;
  }
  queue.push(std::move(ev));
}

int toolorch_ctx::run_marshalled(const std::function<int()> &fn, bool *ran) {
  // The detail of a failure is per thread: carry it from the loop thread
  // back to the caller's.
  int rc = TOOLORCH_OK;
  std::string detail;
  *ran = loop->run_sync([&] {
    toolorch::capi::clear_error(this);
    rc = toolorch::capi::guarded(this, fn);
    if (rc) detail = toolorch::capi::last_error(this);
  });
  if (*ran && rc) toolorch::capi::set_error(this, detail);
  return rc;
}

int toolorch_ctx::on_loop(const std::function<int()> &fn) {
  if (loop->in_loop_thread()) return fn();
  if (!owned)
    return fail(this, TOOLORCH_EMODE,
                "in borrowed-loop mode this function must be called on the thread running the event_base");
  bool ran = false;
  int rc = run_marshalled(fn, &ran);
  return ran ? rc : fail(this, TOOLORCH_ECLOSED, "the context is shutting down");
}

int toolorch_ctx::cancel_on_loop(std::function<int()> fn) {
  if (loop->in_loop_thread()) return fn();
  if (!owned) {
    // The host's loop thread may be the very thread waiting on us: post.
    loop->post([fn] { fn(); });
    return TOOLORCH_OK;
  }
  bool ran = false;
  int rc = run_marshalled(fn, &ran);
  // Not run: the context is closing, which cancels everything anyway.
  return ran ? rc : TOOLORCH_OK;
}

toolorch::llm::Provider *toolorch_ctx::get_provider(std::string *err) {
  if (provider) return provider.get();
  const cJSON *section = engine->options().section("llm");
  toolorch::llm::ProviderConfig cfg;
  if (section && !toolorch::core::llm_provider_config(section, &cfg, err)) return nullptr;
  if (!section) {
    cJSON *empty = cJSON_CreateObject();
    bool ok = toolorch::core::llm_provider_config(empty, &cfg, err);
    cJSON_Delete(empty);
    if (!ok) return nullptr;
  }
  toolorch::http::Client *client = get_http(err);
  if (!client) return nullptr;
  provider = toolorch::llm::make_provider(cfg, client);
  if (!provider) *err = "cannot create the LLM provider";
  return provider.get();
}

toolorch::http::Client *toolorch_ctx::get_http(std::string *err) {
  if (!http) http = toolorch::http::Client::create(loop->base(), err);
  return http.get();
}

void toolorch_ctx::end_batch_closed(toolorch_batch *b) {
  b->impl->detach();
  if (b->own_queue)
    b->own_queue->close_with_final(
        toolorch::capi::closed_final(TOOLORCH_EVENT_BATCH_DONE, b->userdata, b, toolorch::core::kSourceBatch));
}

void toolorch_ctx::close() {
  if (closing.exchange(true)) return;
  using toolorch::capi::closed_final;
  // On the loop thread, after `closing` is set: no event is emitted any
  // more, so a queued job's or batch's final event is either in its queue
  // already or the one put there now.
  auto work = [this]() -> int {
    for (toolorch_batch *b : batches) end_batch_closed(b);
    for (toolorch_job *j : jobs) {
      j->impl->detach();
      if (j->own_queue)
        j->own_queue->close_with_final(closed_final(TOOLORCH_EVENT_JOB_DONE, j->userdata, j, toolorch::core::kSourceJob));
    }
    engine->shutdown();
    return TOOLORCH_OK;
  };
  if (owned || loop->in_loop_thread()) on_loop(work);
  else loop->post([work] { work(); });
  queue.close();
}

namespace {

toolorch_ctx *create(struct event_base *base, const toolorch_opts *opts, int *status) {
  auto set = [status](int s) {
    if (status) *status = s;
  };
  auto ctx = std::make_unique<toolorch_ctx>();
  std::string err;
  ctx->owned = base == nullptr;
  ctx->loop = ctx->owned ? toolorch::loop::EventLoop::create_owned(&err)
                         : toolorch::loop::EventLoop::create_borrowed(base, &err);
  if (!ctx->loop || !ctx->queue.ok()) {
    toolorch::capi::set_error(nullptr, err.empty() ? "cannot create the event queue fd" : err);
    set(TOOLORCH_EIO);
    return nullptr;
  }
  toolorch::core::Options o = opts ? opts->options : toolorch::core::Options();
  ctx->engine = std::make_unique<toolorch::core::Engine>(o, ctx->loop.get(), ctx.get(), ctx->loop->base());
  // Built on the loop thread (the Redis backend attaches to it); the owned
  // loop is not running yet, so this thread is the only one touching it.
  int rc = ctx->engine->init(&err);
  if (!rc) rc = ctx->init_observability(&err);
  if (rc) {
    toolorch::capi::set_error(nullptr, err);
    set(rc);
    return nullptr;
  }
  ctx->loop->set_after_drain([c = ctx.get()] {
    if (!c->pending_events.empty()) c->hand_over_events();
  });
  if (ctx->owned && !ctx->loop->start(&err)) {
    toolorch::capi::set_error(nullptr, err);
    set(TOOLORCH_EIO);
    return nullptr;
  }
  // The MCP servers the options list; a context that cannot start one of
  // them is not made (its detail names the server).
  rc = toolorch::capi::start_mcp_servers(ctx.get());
  if (rc) {
    std::string detail = toolorch::capi::last_error(nullptr);
    toolorch_free(ctx.release());
    toolorch::capi::set_error(nullptr, detail);
    set(rc);
    return nullptr;
  }
  // The chains the options list (their steps' tools may come later).
  rc = toolorch::capi::register_chains_option(ctx.get());
  if (rc) {
    std::string detail = toolorch::capi::last_error(nullptr);
    toolorch_free(ctx.release());
    toolorch::capi::set_error(nullptr, detail);
    set(rc);
    return nullptr;
  }
  set(TOOLORCH_OK);
  return ctx.release();
}

}  // namespace

extern "C" {

toolorch_ctx *toolorch_new(const toolorch_opts *opts, int *status) {
  toolorch_ctx *ctx = guarded_ptr<toolorch_ctx>(nullptr, [&] { return create(nullptr, opts, status); });
  if (!ctx && status && *status == TOOLORCH_OK) *status = TOOLORCH_ENOMEM;
  return ctx;
}

toolorch_ctx *toolorch_new_with_base(struct event_base *base, const toolorch_opts *opts, int *status) {
  if (!base) {
    if (status) *status = TOOLORCH_EINVAL;
    toolorch::capi::set_error(nullptr, "event_base is NULL");
    return nullptr;
  }
  toolorch_ctx *ctx = guarded_ptr<toolorch_ctx>(nullptr, [&] { return create(base, opts, status); });
  if (!ctx && status && *status == TOOLORCH_OK) *status = TOOLORCH_ENOMEM;
  return ctx;
}

int toolorch_close(toolorch_ctx *ctx) {
  if (!ctx) return toolorch::capi::invalid(nullptr, "toolorch_close", "ctx is NULL");
  return guarded(ctx, [&]() -> int {
    ctx->close();
    return TOOLORCH_OK;
  });
}

void toolorch_free(toolorch_ctx *ctx) {
  if (!ctx) return;
  // From a callback (or anything else on the library's own thread) freeing
  // would join or free the loop that is running the caller: refuse.
  if (toolorch::capi::in_callback() || (ctx->owned && ctx->loop->in_loop_thread())) {
    toolorch::capi::set_error(ctx, "toolorch_free was called from a callback: ignored; free the context "
                                   "after the callback has returned");
    return;
  }
  guarded(ctx, [&]() -> int {
    ctx->close();
    // The spans of what just ended (and was cancelled) still reach the
    // collector, within a bound.
    ctx->flush_traces(2000);
    ctx->loop->stop();  // owned: joins the loop thread; nothing runs after
    for (toolorch_batch *b : ctx->batches) delete b;
    ctx->batches.clear();
    for (toolorch_job *j : ctx->jobs) delete j;  // before the provider they use
    ctx->jobs.clear();
    {
      // Transfers and child processes of built-in tools, while the client
      // and the base they use still exist (the loop no longer runs).
      std::lock_guard<std::mutex> lk(ctx->runners_mu);
      for (auto &r : ctx->runners) r->shutdown();
      ctx->runners.clear();
    }
    toolorch::capi::release_predictions(ctx);
    ctx->provider.reset();
    ctx->exporter.reset();        // its transfer, while the client exists
    ctx->metrics_server.reset();  // its events, while the base exists
    ctx->http.reset();
    ctx->engine.reset();
    ctx->obs.reset();             // after everything that reports to it
    ctx->loop.reset();
    return TOOLORCH_OK;
  });
  delete ctx;
}

const char *toolorch_last_error(const toolorch_ctx *ctx) { return toolorch::capi::last_error(ctx); }

int64_t toolorch_stat(const toolorch_ctx *ctx, const char *key) {
  if (!ctx || !key || !ctx->engine) return -1;
  return ctx->engine->stat(key);
}

}  // extern "C"

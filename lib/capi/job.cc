// toolorch_job_*: the agent loop through the C ABI.
#include <toolorch/job.h>

#include "capi/border.h"
#include "capi/handles.h"

using toolorch::capi::event_of;
using toolorch::capi::fail;
using toolorch::capi::invalid;
using toolorch::capi::guarded;
using toolorch::capi::guarded_ptr;

namespace {

toolorch_job *start_job(toolorch_ctx *ctx, const char *request_json, void *userdata, int *status, bool queued,
                        const char *fn) {
  int local = TOOLORCH_OK;
  int *st = status ? status : &local;
  if (!ctx || !request_json) {
    *st = invalid(ctx, fn, "ctx or request_json is NULL");
    return nullptr;
  }
  return guarded_ptr<toolorch_job>(ctx, [&]() -> toolorch_job * {
    if (ctx->closing.load()) {
      *st = fail(ctx, TOOLORCH_ECLOSED, "the context is shutting down");
      return nullptr;
    }
    toolorch::core::JobConfig cfg;
    std::string err;
    int rc = toolorch::core::parse_job_config(request_json, ctx->engine->options().section("llm"), &cfg, &err);
    if (rc) {
      *st = fail(ctx, rc, err);
      return nullptr;
    }
    auto job = std::make_unique<toolorch_job>();
    job->ctx = ctx;
    job->userdata = userdata;
    if (queued) job->own_queue = std::make_shared<toolorch::capi::EventQueue>(false);
    toolorch_job *raw = job.get();
    rc = ctx->on_loop([&]() -> int {
      // A close that ran before this would not give the job its end.
      if (ctx->closing.load()) return fail(ctx, TOOLORCH_ECLOSED, "the context is shutting down");
      toolorch::llm::Provider *p = ctx->get_provider(&err);
      if (!p) return fail(ctx, TOOLORCH_ECONFIG, "no LLM provider: " + err);
      toolorch::core::SpeculationConfig spec = cfg.speculation;
      toolorch::core::SpeculationEnv env = ctx->engine->speculation_env();
      if (spec.source == toolorch::core::SpecSource::kModel) {
        raw->spec_model = toolorch::capi::make_speculation_model(ctx, spec, &env, &err);
        if (!raw->spec_model) return fail(ctx, TOOLORCH_ECONFIG, "speculation.model: " + err);
        env.model = raw->spec_model.get();
      }
      raw->impl = std::make_unique<toolorch::core::Job>(&ctx->engine->dispatcher(), ctx, p, std::move(cfg),
                                                        userdata, raw, &ctx->engine->scorer());
      raw->impl->set_speculation(std::move(env));
      raw->impl->set_limits(ctx->engine->limits(), ctx->engine->llm_service());
      int r = raw->impl->start(&err);
      if (r) return fail(ctx, r, err);
      ctx->jobs.insert(raw);
      return TOOLORCH_OK;
    });
    *st = rc;
    if (rc) return nullptr;
    return job.release();
  });
}

}  // namespace

extern "C" {

toolorch_job *toolorch_job_start(toolorch_ctx *ctx, const char *request_json, void *userdata, int *status) {
  return start_job(ctx, request_json, userdata, status, false, "toolorch_job_start");
}

toolorch_job *toolorch_job_start_queued(toolorch_ctx *ctx, const char *request_json, void *userdata, int *status) {
  return start_job(ctx, request_json, userdata, status, true, "toolorch_job_start_queued");
}

int toolorch_job_next_event(toolorch_job *job, int timeout_ms, toolorch_event **out) {
  if (!job || !out) return invalid(job ? job->ctx : nullptr, "toolorch_job_next_event", "job or out is NULL");
  if (!job->own_queue)
    return fail(job->ctx, TOOLORCH_EMODE,
                "the job was started by toolorch_job_start: its events go to the context (toolorch_next_event)");
  return toolorch::capi::next_event_from(job->ctx, job->own_queue.get(), timeout_ms, out);
}

int toolorch_job_check(toolorch_ctx *ctx, const char *request_json) {
  if (!ctx || !request_json) return invalid(ctx, "toolorch_job_check", "ctx or request_json is NULL");
  return guarded(ctx, [&]() -> int {
    toolorch::core::JobConfig cfg;
    std::string err;
    int rc = toolorch::core::parse_job_config(request_json, ctx->engine->options().section("llm"), &cfg, &err);
    if (rc) return fail(ctx, rc, err);
    return ctx->on_loop([&]() -> int {
      if (!ctx->get_provider(&err)) return fail(ctx, TOOLORCH_ECONFIG, "no LLM provider: " + err);
      if (cfg.speculation.source == toolorch::core::SpecSource::kModel) {
        toolorch::core::SpeculationEnv env = ctx->engine->speculation_env();
        if (!toolorch::capi::make_speculation_model(ctx, cfg.speculation, &env, &err))
          return fail(ctx, TOOLORCH_ECONFIG, "speculation.model: " + err);
      }
      if (cfg.tools_given)
        for (const std::string &name : cfg.tools)
          if (!ctx->engine->dispatcher().registry()->find(name))
            return fail(ctx, TOOLORCH_EUNKNOWN_TOOL, "the job names an unknown tool \"" + name + "\"");
      return TOOLORCH_OK;
    });
  });
}

int toolorch_job_cancel(toolorch_job *job) {
  if (!job) return invalid(nullptr, "toolorch_job_cancel", "job is NULL");
  toolorch_ctx *ctx = job->ctx;
  return guarded(ctx, [&]() -> int {
    return ctx->cancel_on_loop([ctx, job]() -> int {
      if (ctx->jobs.count(job)) job->impl->cancel();
      return TOOLORCH_OK;
    });
  });
}

void toolorch_job_free(toolorch_job *job) {
  if (!job) return;
  toolorch_ctx *ctx = job->ctx;
  guarded(ctx, [&]() -> int {
    return ctx->on_loop([&]() -> int {
      job->impl->detach();
      // Deleted on a later pass: we may be inside one of its own callbacks.
      ctx->loop->post([ctx, job] {
        if (ctx->jobs.erase(job)) delete job;
      });
      return TOOLORCH_OK;
    });
  });
}

int toolorch_job_cancel_group(toolorch_job *job, const char *group) {
  if (!job || !group) return invalid(job ? job->ctx : nullptr, "toolorch_job_cancel_group", "job or group is NULL");
  toolorch_ctx *ctx = job->ctx;
  std::string name(group);
  return guarded(ctx, [&]() -> int {
    return ctx->cancel_on_loop([ctx, job, name]() -> int {
      if (!ctx->jobs.count(job) || job->impl->cancel_group(name)) return TOOLORCH_OK;
      return fail(ctx, TOOLORCH_ESTATE, "no group \"" + name + "\" in this round");
    });
  });
}

int toolorch_job_cancel_call(toolorch_job *job, const char *call_id) {
  if (!job || !call_id) return invalid(job ? job->ctx : nullptr, "toolorch_job_cancel_call", "job or call_id is NULL");
  toolorch_ctx *ctx = job->ctx;
  std::string id(call_id);
  return guarded(ctx, [&]() -> int {
    return ctx->cancel_on_loop([ctx, job, id]() -> int {
      if (!ctx->jobs.count(job)) return TOOLORCH_OK;
      int rc = job->impl->cancel_call(id);
      if (rc == TOOLORCH_EINVAL) return fail(ctx, rc, "no call \"" + id + "\" in this round of the job");
      if (rc == TOOLORCH_ELATE) return fail(ctx, rc, "call \"" + id + "\" had ended already");
      return rc;
    });
  });
}

toolorch_job *toolorch_event_job(const toolorch_event *e) {
  if (!e || event_of(e)->source_kind != toolorch::core::kSourceJob) return nullptr;
  return static_cast<toolorch_job *>(event_of(e)->source);
}
int toolorch_event_round(const toolorch_event *e) { return e ? event_of(e)->round : 0; }
int64_t toolorch_event_input_tokens(const toolorch_event *e) { return e ? event_of(e)->input_tokens : 0; }
int64_t toolorch_event_output_tokens(const toolorch_event *e) { return e ? event_of(e)->output_tokens : 0; }
int64_t toolorch_event_cache_read_tokens(const toolorch_event *e) { return e ? event_of(e)->cache_read_tokens : 0; }
int64_t toolorch_event_cache_write_tokens(const toolorch_event *e) { return e ? event_of(e)->cache_write_tokens : 0; }

}  // extern "C"

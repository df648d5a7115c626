// Branch groups: policies, the context's scorer, groups in batches.
#include <toolorch/group.h>

#include "capi/border.h"
#include "capi/handles.h"

using toolorch::capi::fail;
using toolorch::capi::invalid;
using toolorch::capi::guarded;
using toolorch::capi::guarded_ptr;
using toolorch::core::Call;
using toolorch::core::Scorer;

namespace {
Scorer make_scorer(toolorch_score_fn fn, void *ud) {
  if (!fn) return Scorer();
  return [fn, ud](const Call &c) {
    toolorch::capi::CallbackScope scope;
    return fn(c.tool_name().c_str(), c.args().c_str(), c.text().c_str(), ud);
  };
}
}  // namespace

extern "C" {

toolorch_group_policy *toolorch_group_policy_new(void) {
  return guarded_ptr<toolorch_group_policy>(nullptr, [] { return new toolorch_group_policy(); });
}

void toolorch_group_policy_free(toolorch_group_policy *p) { delete p; }

int toolorch_group_policy_set_timeout_ms(toolorch_group_policy *p, int64_t timeout_ms) {
  if (!p || timeout_ms < 0) return invalid(nullptr, "toolorch_group_policy_set_timeout_ms", "policy is NULL or timeout_ms < 0");
  p->policy.timeout_ms = timeout_ms;
  return TOOLORCH_OK;
}

int toolorch_group_policy_set_cancel_on_score(toolorch_group_policy *p, double threshold) {
  if (!p) return invalid(nullptr, "toolorch_group_policy_set_cancel_on_score", "policy is NULL");
  p->policy.cancel_on_score = true;
  p->policy.threshold = threshold;
  return TOOLORCH_OK;
}

int toolorch_group_policy_set_keep_top_n(toolorch_group_policy *p, int n) {
  if (!p || n < 0) return invalid(nullptr, "toolorch_group_policy_set_keep_top_n", "policy is NULL or n < 0");
  p->policy.keep_top_n = n;
  return TOOLORCH_OK;
}

int toolorch_group_policy_set_on_failure(toolorch_group_policy *p, int on_failure) {
  if (!p || (on_failure != TOOLORCH_ON_FAILURE_ISOLATE && on_failure != TOOLORCH_ON_FAILURE_CANCEL_SIBLINGS))
    return invalid(nullptr, "toolorch_group_policy_set_on_failure", "policy is NULL or on_failure is not a TOOLORCH_ON_FAILURE_* value");
  p->policy.cancel_siblings = on_failure == TOOLORCH_ON_FAILURE_CANCEL_SIBLINGS;
  return TOOLORCH_OK;
}

int toolorch_group_policy_set_scorer(toolorch_group_policy *p, toolorch_score_fn fn, void *userdata) {
  if (!p) return invalid(nullptr, "toolorch_group_policy_set_scorer", "policy is NULL");
  return guarded(nullptr, [&]() -> int {
    p->policy.scorer = make_scorer(fn, userdata);
    p->policy.score_by_host = false;
    return TOOLORCH_OK;
  });
}

int toolorch_group_policy_from_json(toolorch_group_policy *p, const char *json) {
  if (!p || !json) return invalid(nullptr, "toolorch_group_policy_from_json", "policy or json is NULL");
  return guarded(nullptr, [&]() -> int {
    std::string err;
    toolorch::json::Ptr doc = toolorch::json::parse(json, &err);
    if (!doc) return fail(nullptr, TOOLORCH_EJSON, "group policy is not valid JSON: " + err);
    int rc = toolorch::core::GroupPolicy::from_json(doc.get(), &p->policy, &err);
    if (rc) return fail(nullptr, rc, err);
    return TOOLORCH_OK;
  });
}

int toolorch_set_scorer(toolorch_ctx *ctx, toolorch_score_fn fn, void *userdata) {
  if (!ctx) return invalid(nullptr, "toolorch_set_scorer", "ctx is NULL");
  return guarded(ctx, [&]() -> int {
    return ctx->on_loop([&]() -> int {
      ctx->engine->scorer().fn = make_scorer(fn, userdata);
      ctx->engine->scorer().by_host = false;
      return TOOLORCH_OK;
    });
  });
}

int toolorch_group_policy_set_scorer_external(toolorch_group_policy *p) {
  if (!p) return invalid(nullptr, "toolorch_group_policy_set_scorer_external", "policy is NULL");
  p->policy.scorer = nullptr;
  p->policy.score_by_host = true;
  return TOOLORCH_OK;
}

int toolorch_set_scorer_external(toolorch_ctx *ctx) {
  if (!ctx) return invalid(nullptr, "toolorch_set_scorer_external", "ctx is NULL");
  return guarded(ctx, [&]() -> int {
    return ctx->on_loop([&]() -> int {
      ctx->engine->scorer().fn = nullptr;
      ctx->engine->scorer().by_host = true;
      return TOOLORCH_OK;
    });
  });
}

int toolorch_batch_add_group(toolorch_batch *batch, const char *group, const toolorch_group_policy *policy) {
  if (!batch || !group || !*group)
    return invalid(batch ? batch->ctx : nullptr, "toolorch_batch_add_group", "batch or group is NULL, or group is empty");
  toolorch_ctx *ctx = batch->ctx;
  return guarded(ctx, [&]() -> int {
    if (batch->submit_requested.load()) return fail(ctx, TOOLORCH_ESTATE, "the batch was submitted already");
    toolorch::core::GroupPolicy p = policy ? policy->policy : toolorch::core::GroupPolicy();
    int rc = batch->impl->add_group(group, std::move(p), &ctx->engine->scorer());
    if (rc == TOOLORCH_EEXIST) return fail(ctx, rc, std::string("group \"") + group + "\" is declared already");
    if (rc) return fail(ctx, rc, "the batch was submitted already");
    return TOOLORCH_OK;
  });
}

int toolorch_batch_add_in_group(toolorch_batch *batch, const char *group, const char *tool_name,
                                const char *args_json, const char *call_id) {
  if (!batch || !group || !tool_name)
    return invalid(batch ? batch->ctx : nullptr, "toolorch_batch_add_in_group", "batch, group or tool_name is NULL");
  return toolorch::capi::batch_add(batch, tool_name, args_json, call_id, group);
}

int toolorch_batch_cancel_group(toolorch_batch *batch, const char *group) {
  if (!batch || !group) return invalid(batch ? batch->ctx : nullptr, "toolorch_batch_cancel_group", "batch or group is NULL");
  toolorch_ctx *ctx = batch->ctx;
  std::string name(group);
  return guarded(ctx, [&]() -> int {
    return ctx->cancel_on_loop([ctx, batch, name]() -> int {
      if (!ctx->batches.count(batch)) return TOOLORCH_OK;
      int rc = batch->impl->cancel_group(name);
      return rc ? fail(ctx, rc, "no group \"" + name + "\" in this batch") : TOOLORCH_OK;
    });
  });
}

}  // extern "C"

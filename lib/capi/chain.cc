// Chains at the C border (include/toolorch/chain.h): the builder, the
// arguments callback, registration (from the builder, from JSON, and the
// "chains" context option). The chain itself is lib/chain.
#include <toolorch/chain.h>

#include <toolorch/ctx.h>

#include "capi/border.h"
#include "capi/chains.h"
#include "capi/handles.h"
#include "chain/runner.h"

using toolorch::capi::fail;
using toolorch::capi::guarded;
using toolorch::capi::guarded_ptr;
using toolorch::capi::invalid;
namespace chain = toolorch::chain;

struct toolorch_chain {
  chain::Definition def;
  std::vector<chain::Step *> open;  // open groups, innermost last (the root first)
  chain::Step *last_call = nullptr;
};

struct toolorch_chain_args {
  std::string args, message;
  bool set = false;
};

namespace toolorch::capi {

int register_definition(toolorch_ctx *ctx, chain::Definition def) {
  if (ctx->closing.load()) return fail(ctx, TOOLORCH_ECLOSED, "the context is shutting down");
  std::string err;
  core::ToolSpec spec;
  if (!chain::make_tool_spec(std::move(def), ctx->engine->registry(), &spec, &err)) return fail(ctx, TOOLORCH_ECONFIG, err);
  auto t = core::Tool::create(spec, &err);
  if (!t) return fail(ctx, TOOLORCH_ESCHEMA, "chain \"" + spec.name + "\": " + err);
  int rc = ctx->engine->registry().add(std::move(t), &err);
  if (rc) return fail(ctx, rc, err);
  return TOOLORCH_OK;
}

int register_chains_option(toolorch_ctx *ctx) {
  const cJSON *list = ctx->engine->options().section("chains");
  if (!list) return TOOLORCH_OK;
  for (const cJSON *it = list->child; it; it = it->next) {
    chain::Definition def;
    std::string err;
    if (!chain::parse_definition(it, &def, &err)) return fail(nullptr, TOOLORCH_ECONFIG, "option \"chains\": " + err);
    int rc = register_definition(ctx, std::move(def));
    if (rc) {
      set_error(nullptr, "option \"chains\": " + std::string(last_error(ctx)));
      return rc;
    }
  }
  return TOOLORCH_OK;
}

}  // namespace toolorch::capi

extern "C" {

int toolorch_chain_args_set(toolorch_chain_args *out, const char *args_json) {
  if (!out || !args_json) return invalid(nullptr, "toolorch_chain_args_set", "out or args_json is NULL");
  return guarded(nullptr, [&]() -> int {
    out->args = args_json;
    out->set = true;
    return TOOLORCH_OK;
  });
}

int toolorch_chain_args_fail(toolorch_chain_args *out, const char *message) {
  if (!out || !message) return invalid(nullptr, "toolorch_chain_args_fail", "out or message is NULL");
  return guarded(nullptr, [&]() -> int {
    out->message = message;
    return TOOLORCH_OK;
  });
}

toolorch_chain *toolorch_chain_new(const char *name) {
  if (!name || !*name) {
    invalid(nullptr, "toolorch_chain_new", "the name is NULL or empty");
    return nullptr;
  }
  return guarded_ptr<toolorch_chain>(nullptr, [&] {
    auto *c = new toolorch_chain();
    c->def.name = name;
    c->def.root.kind = chain::Step::Kind::kSequential;
    c->open.push_back(&c->def.root);
    return c;
  });
}

toolorch_chain *toolorch_chain_new_json(const char *chain_json) {
  if (!chain_json) {
    invalid(nullptr, "toolorch_chain_new_json", "chain_json is NULL");
    return nullptr;
  }
  return guarded_ptr<toolorch_chain>(nullptr, [&]() -> toolorch_chain * {
    chain::Definition def;
    std::string err;
    if (!chain::parse_definition(std::string(chain_json), &def, &err)) {
      fail(nullptr, TOOLORCH_ECONFIG, err);
      return nullptr;
    }
    auto *c = new toolorch_chain();
    c->def = std::move(def);
    c->open.push_back(&c->def.root);
    return c;
  });
}

const char *toolorch_chain_name(const toolorch_chain *chain) { return chain ? chain->def.name.c_str() : ""; }

void toolorch_chain_free(toolorch_chain *chain) { delete chain; }

int toolorch_chain_set_description(toolorch_chain *c, const char *description) {
  if (!c || !description) return invalid(nullptr, "toolorch_chain_set_description");
  return guarded(nullptr, [&]() -> int {
    c->def.description = description;
    return TOOLORCH_OK;
  });
}

int toolorch_chain_set_schema(toolorch_chain *c, const char *schema_json) {
  if (!c || !schema_json) return invalid(nullptr, "toolorch_chain_set_schema");
  return guarded(nullptr, [&]() -> int {
    c->def.schema_json = schema_json;
    return TOOLORCH_OK;
  });
}

int toolorch_chain_set_policy(toolorch_chain *c, int policy) {
  if (!c || (policy != TOOLORCH_CHAIN_FAIL_FAST && policy != TOOLORCH_CHAIN_COLLECT))
    return invalid(nullptr, "toolorch_chain_set_policy", "chain is NULL or policy is not a TOOLORCH_CHAIN_* value");
  c->def.policy = policy == TOOLORCH_CHAIN_COLLECT ? chain::Policy::kCollect : chain::Policy::kFailFast;
  return TOOLORCH_OK;
}

int toolorch_chain_set_result(toolorch_chain *c, const char *result_json) {
  if (!c || !result_json) return invalid(nullptr, "toolorch_chain_set_result");
  return guarded(nullptr, [&]() -> int {
    // Parsed as the JSON form's "result" key would be.
    std::string text = std::string("{\"name\":\"x\",\"steps\":[{\"tool\":\"x\"}],\"result\":") + result_json + "}";
    chain::Definition d;
    std::string err;
    if (!chain::parse_definition(text, &d, &err))
      return fail(nullptr, TOOLORCH_EINVAL, "toolorch_chain_set_result: must be \"last\", \"all\" or an array of step names");
    c->def.result_named = d.result_named;
    c->def.result_steps = d.result_steps;
    return TOOLORCH_OK;
  });
}

int toolorch_chain_set_max_parallel(toolorch_chain *c, int max_parallel) {
  if (!c || max_parallel < 0) return invalid(nullptr, "toolorch_chain_set_max_parallel", "chain is NULL or max_parallel < 0");
  c->def.max_parallel = max_parallel;
  return TOOLORCH_OK;
}

int toolorch_chain_set_timeout_ms(toolorch_chain *c, int64_t timeout_ms) {
  if (!c || timeout_ms < 0) return invalid(nullptr, "toolorch_chain_set_timeout_ms", "chain is NULL or timeout_ms < 0");
  c->def.timeout_ms = timeout_ms;
  return TOOLORCH_OK;
}

int toolorch_chain_set_side_effect_free(toolorch_chain *c, int side_effect_free) {
  if (!c || side_effect_free < -1 || side_effect_free > 1)
    return invalid(nullptr, "toolorch_chain_set_side_effect_free", "chain is NULL or the value is not -1, 0 or 1");
  c->def.side_effect_free = side_effect_free;
  return TOOLORCH_OK;
}

int toolorch_chain_add_call(toolorch_chain *c, const char *step_name, const char *tool, const char *args_json) {
  if (!c || !tool || !*tool) return invalid(nullptr, "toolorch_chain_add_call", "chain or tool is NULL or empty");
  return guarded(nullptr, [&]() -> int {
    chain::Step s;
    s.kind = chain::Step::Kind::kCall;
    s.tool = tool;
    s.name = step_name ? step_name : tool;
    if (args_json) {
      std::string err;
      s.args = toolorch::json::parse(args_json, &err);
      if (!s.args || !cJSON_IsObject(s.args.get()))
        return fail(nullptr, TOOLORCH_EJSON, "toolorch_chain_add_call: the arguments of step \"" + s.name +
                                                 "\" are not a JSON object" + (err.empty() ? "" : ": " + err));
    }
    chain::Step *group = c->open.back();
    group->children.push_back(std::move(s));
    c->last_call = &group->children.back();
    return TOOLORCH_OK;
  });
}

int toolorch_chain_set_args_fn(toolorch_chain *c, toolorch_chain_args_fn fn, void *userdata) {
  if (!c || !fn) return invalid(nullptr, "toolorch_chain_set_args_fn", "chain or fn is NULL");
  if (!c->last_call) return fail(nullptr, TOOLORCH_ESTATE, "toolorch_chain_set_args_fn: no call step added yet");
  return guarded(nullptr, [&]() -> int {
    c->last_call->args_external = false;
    c->last_call->args_fn = [fn, userdata](const std::string &context, std::string *args, std::string *err) {
      toolorch_chain_args out;
      int rc = fn(context.c_str(), &out, userdata);
      if (rc != 0 || !out.set) {
        *err = !out.message.empty() ? out.message
               : rc != 0            ? "its arguments callback returned " + std::to_string(rc)
                                    : "its arguments callback set no arguments";
        return false;
      }
      *args = std::move(out.args);
      return true;
    };
    return TOOLORCH_OK;
  });
}

int toolorch_chain_set_args_external(toolorch_chain *c, const char *step_name) {
  if (!c) return invalid(nullptr, "toolorch_chain_set_args_external", "chain is NULL");
  return guarded(nullptr, [&]() -> int {
    chain::Step *step = c->last_call;
    if (step_name) {
      std::function<chain::Step *(chain::Step &)> find = [&](chain::Step &s) -> chain::Step * {
        if (s.kind == chain::Step::Kind::kCall) return s.name == step_name ? &s : nullptr;
        for (auto &ch : s.children)
          if (chain::Step *f = find(ch)) return f;
        return nullptr;
      };
      step = find(c->def.root);
      if (!step)
        return fail(nullptr, TOOLORCH_ECONFIG, "chain \"" + c->def.name + "\" has no call step named \"" +
                                                   std::string(step_name) + "\"");
    } else if (!step) {
      return fail(nullptr, TOOLORCH_ESTATE, "toolorch_chain_set_args_external: no call step added yet");
    }
    step->args_external = true;
    step->args_fn = nullptr;
    return TOOLORCH_OK;
  });
}

static int begin_group(toolorch_chain *c, toolorch::chain::Step::Kind kind, const char *fn) {
  if (!c) return invalid(nullptr, fn, "chain is NULL");
  return guarded(nullptr, [&]() -> int {
    chain::Step s;
    s.kind = kind;
    chain::Step *group = c->open.back();
    group->children.push_back(std::move(s));
    // Pointers to the open groups stay valid: only the innermost one grows.
    c->open.push_back(&group->children.back());
    c->last_call = nullptr;
    return TOOLORCH_OK;
  });
}

int toolorch_chain_begin_parallel(toolorch_chain *c) {
  return begin_group(c, chain::Step::Kind::kParallel, "toolorch_chain_begin_parallel");
}
int toolorch_chain_begin_sequential(toolorch_chain *c) {
  return begin_group(c, chain::Step::Kind::kSequential, "toolorch_chain_begin_sequential");
}

int toolorch_chain_end(toolorch_chain *c) {
  if (!c) return invalid(nullptr, "toolorch_chain_end", "chain is NULL");
  if (c->open.size() <= 1) return fail(nullptr, TOOLORCH_ESTATE, "toolorch_chain_end: no group is open");
  c->open.pop_back();
  c->last_call = nullptr;
  return TOOLORCH_OK;
}

int toolorch_register_chain(toolorch_ctx *ctx, const toolorch_chain *c) {
  if (!ctx || !c) return invalid(ctx, "toolorch_register_chain", "ctx or chain is NULL");
  if (c->open.size() > 1)
    return fail(ctx, TOOLORCH_ESTATE, "chain \"" + c->def.name + "\": " + std::to_string(c->open.size() - 1) +
                                          " group(s) still open (toolorch_chain_end)");
  return guarded(ctx, [&]() -> int {
    // Empty groups are refused here (the JSON form cannot say them).
    std::function<bool(const chain::Step &)> empty = [&](const chain::Step &s) {
      if (s.kind == chain::Step::Kind::kCall) return false;
      if (s.children.empty()) return true;
      for (const auto &ch : s.children)
        if (empty(ch)) return true;
      return false;
    };
    if (empty(c->def.root)) return fail(ctx, TOOLORCH_ECONFIG, "chain \"" + c->def.name + "\": a group has no steps");
    return toolorch::capi::register_definition(ctx, c->def.clone());
  });
}

int toolorch_register_chain_json(toolorch_ctx *ctx, const char *chain_json) {
  if (!ctx || !chain_json) return invalid(ctx, "toolorch_register_chain_json", "ctx or chain_json is NULL");
  return guarded(ctx, [&]() -> int {
    chain::Definition def;
    std::string err;
    if (!chain::parse_definition(std::string(chain_json), &def, &err)) return fail(ctx, TOOLORCH_ECONFIG, err);
    return toolorch::capi::register_definition(ctx, std::move(def));
  });
}

}  // extern "C"

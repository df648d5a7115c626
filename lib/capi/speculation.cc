// Speculation through the C ABI: the host's predictor and its prediction
// handles, the speculation model of a job, and the speculation accessors of
// events.
#include <toolorch/speculation.h>

#include <cmath>

#include "capi/border.h"
#include "capi/handles.h"
#include "core/option_sections.h"
#include "llm/provider_config.h"

using toolorch::capi::event_of;
using toolorch::capi::guarded;

// One request's guesses from the host: valid until done, or until the
// context is freed (it releases the handles a predictor never finished).
struct toolorch_prediction {
  toolorch_ctx *ctx = nullptr;
  std::shared_ptr<toolorch::core::GuessChannel> channel;
};

namespace toolorch::capi {

std::unique_ptr<llm::Provider> make_speculation_model(toolorch_ctx *ctx, const core::SpeculationConfig &cfg,
                                                      core::SpeculationEnv *env, std::string *err) {
  const cJSON *main = ctx->engine->options().section("llm");
  json::Ptr merged(main ? cJSON_Duplicate(main, true) : cJSON_CreateObject());
  // Its own rate-limit service unless it names one, so that its permits
  // never hold up the main model's.
  cJSON_DeleteItemFromObjectCaseSensitive(merged.get(), "service");
  if (!cfg.model_section.empty()) {
    json::Ptr over = json::parse(cfg.model_section);
    for (const cJSON *v = over ? over->child : nullptr; v; v = v->next) {
      cJSON_DeleteItemFromObjectCaseSensitive(merged.get(), v->string);
      cJSON_AddItemToObject(merged.get(), v->string, cJSON_Duplicate(v, true));
    }
  }
  llm::ProviderConfig pc;
  if (!core::llm_provider_config(merged.get(), &pc, err)) return nullptr;
  http::Client *client = ctx->get_http(err);
  if (!client) return nullptr;
  env->model_name = json::get_string(merged.get(), "model", "");
  env->model_service = json::get_string(merged.get(), "service", "speculation");
  return llm::make_provider(pc, client);
}

void release_predictions(toolorch_ctx *ctx) {
  std::lock_guard<std::mutex> lk(ctx->predictions_mu);
  for (toolorch_prediction *p : ctx->predictions) delete p;
  ctx->predictions.clear();
}

}  // namespace toolorch::capi

extern "C" {

int toolorch_set_predictor(toolorch_ctx *ctx, toolorch_predictor_fn fn, void *userdata) {
  if (!ctx) return TOOLORCH_EINVAL;
  return guarded(ctx, [&]() -> int {
    return ctx->on_loop([&]() -> int {
      if (!fn) {
        ctx->engine->predictor() = nullptr;
        return TOOLORCH_OK;
      }
      ctx->engine->predictor() = [ctx, fn, userdata](const std::string &request,
                                                     std::shared_ptr<toolorch::core::GuessChannel> ch) {
        auto *p = new toolorch_prediction{ctx, std::move(ch)};
        {
          std::lock_guard<std::mutex> lk(ctx->predictions_mu);
          ctx->predictions.insert(p);
        }
        toolorch::capi::CallbackScope scope;
        fn(request.c_str(), p, userdata);
      };
      return TOOLORCH_OK;
    });
  });
}

int toolorch_prediction_add(toolorch_prediction *p, const char *tool, const char *args_json, double confidence) {
  if (!p || !tool || !args_json || !std::isfinite(confidence) || confidence < 0 || confidence > 1)
    return TOOLORCH_EINVAL;
  return guarded(p->ctx, [&]() -> int {
    return p->channel->add(toolorch::core::Guess{tool, args_json, confidence});
  });
}

int toolorch_prediction_done(toolorch_prediction *p) {
  if (!p) return TOOLORCH_EINVAL;
  toolorch_ctx *ctx = p->ctx;
  return guarded(ctx, [&]() -> int {
    {
      std::lock_guard<std::mutex> lk(ctx->predictions_mu);
      ctx->predictions.erase(p);
    }
    p->channel->done();
    delete p;
    return TOOLORCH_OK;
  });
}

int toolorch_event_speculation(const toolorch_event *e) { return e ? event_of(e)->speculation : 0; }

const char *toolorch_event_speculation_json(const toolorch_event *e) {
  return e ? event_of(e)->spec_json.c_str() : "";
}

}  // extern "C"

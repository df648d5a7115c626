#include "core/engine.h"

#include "core/codes.h"

#include "json/json.h"

namespace toolorch::core {

Engine::Engine(const Options &opts, loop::Scheduler *sched, EventSink *sink, event_base *base)
    : opts_(opts),
      sched_(sched),
      sink_(sink),
      results_(ResultStore::create(ResultStoreConfig{opts_.core().compress_results, opts_.core().compress_threshold_bytes,
                                                     opts_.core().max_memory_bytes, opts_.core().spill_dir})),
      base_(base),
      gate_(std::make_shared<LoopGate>(sched)),
      pool_(static_cast<size_t>(opts_.core().worker_threads)),
      dispatcher_(Dispatcher::Env{sched, sink, &registry_, &opts_.core(), &stats_, results_}) {}

int Engine::init(std::string *err) {
  const cJSON *llm = opts_.section("llm");
  if (const char *svc = json::get_string(llm, "service")) llm_service_ = svc;
  else llm_service_ = json::get_string(llm, "protocol", "openai");
  const cJSON *rl = opts_.section("rate_limits");
  if (!rl) return TOOLORCH_OK;
  limits::Config cfg;
  if (!limits::parse_config(rl, &cfg, err)) return TOOLORCH_ECONFIG;
  limits_ = limits::RateLimits::create(sched_, base_, cfg, err);
  if (!limits_) return TOOLORCH_ECONFIG;
  dispatcher_.set_limits(limits_.get());
  return TOOLORCH_OK;
}

Engine::~Engine() {
  gate_->close();
  // Blocking tools still running may touch their calls: let them finish
  // before the dispatcher drops the references it keeps for them.
  pool_.shutdown();
  dispatcher_.shutdown();
}

void Engine::shutdown() {
  gate_->close();
  pool_.shutdown();
  dispatcher_.shutdown();
}

}  // namespace toolorch::core

#include "core/engine.h"

namespace toolorch::core {

Engine::Engine(const Options &opts, loop::Scheduler *sched, EventSink *sink)
    : opts_(opts),
      sched_(sched),
      sink_(sink),
      pool_(static_cast<size_t>(opts_.core().worker_threads)),
      dispatcher_(Dispatcher::Env{sched, &pool_, sink, &registry_, &opts_.core(), &stats_}) {}

Engine::~Engine() {
  // Blocking tools still running may touch their calls: let them finish
  // before the dispatcher drops the references it keeps for them.
  pool_.shutdown();
  dispatcher_.shutdown();
}

void Engine::shutdown() { pool_.shutdown(); dispatcher_.shutdown(); }

}  // namespace toolorch::core

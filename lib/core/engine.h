// Everything a context runs, minus I/O: the tool registry, the dispatcher,
// the worker pool and the counters, on a Scheduler it is given (the libevent
// loop in the library, a fake clock in tests). Jobs and limits plug in here.
#pragma once

#include <memory>

#include "core/dispatcher.h"
#include "core/group.h"
#include "limits/rate_limits.h"
#include "core/options.h"
#include "core/speculation.h"
#include "core/speculation_history.h"
#include "core/stats.h"
#include "core/tool_registry.h"
#include "loop/worker_pool.h"

namespace toolorch::core {

class Engine {
 public:
  // base: the libevent base for the Redis limits backend (null: none).
  Engine(const Options &opts, loop::Scheduler *sched, EventSink *sink, event_base *base = nullptr);
  // Loop thread, once, before any work: builds what the options ask for
  // (rate limits). A status and *err on failure.
  int init(std::string *err);
  limits::RateLimits *limits() const { return limits_.get(); }
  // Metrics and traces (lib/obs) of everything this engine runs; null: none.
  void set_observer(obs::Observer *o) { dispatcher_.set_observer(o); }
  // The rate-limit service of LLM requests ("llm.service", else the protocol name).
  const std::string &llm_service() const { return llm_service_; }
  ~Engine();  // loop thread (or after the loop stopped)

  // Loop thread: end the work of every owner first (they cancel their
  // calls), then call this, then the destructor joins the pool.
  void shutdown();

  const Options &options() const { return opts_; }
  const CoreOptions &core() const { return opts_.core(); }
  ToolRegistry &registry() { return registry_; }
  Dispatcher &dispatcher() { return dispatcher_; }
  Stats &stats() { return stats_; }
  // The result store of every call here (core/result_store.h).
  ResultStore &results() { return *results_; }
  // A counter by its toolorch_stat key: the dispatcher's, then the store's; -1 if unknown.
  int64_t stat(const std::string &key) const {
    int64_t v = stats_.get(key);
    return v >= 0 ? v : results_->stat(key);
  }
  loop::Scheduler *sched() const { return sched_; }
  // The context's scorer, the fallback of groups without their own. Loop thread.
  ContextScorer &scorer() { return scorer_; }
  EventSink *sink() const { return sink_; }
  // Where runners of blocking tools run them (lib/capi's C-function runner).
  loop::WorkerPool &pool() { return pool_; }

  // Speculation: the context's history of calls per conversation state, its
  // predictor (loop thread), and the gate late host callbacks post through.
  SpeculationHistory &spec_history() { return spec_history_; }
  Predictor &predictor() { return predictor_; }
  const std::shared_ptr<LoopGate> &gate() const { return gate_; }
  // What a job's speculation may use (its model aside).
  SpeculationEnv speculation_env() {
    SpeculationEnv env;
    env.history = &spec_history_;
    env.predictor = &predictor_;
    env.gate = gate_;
    env.limits = limits_.get();
    return env;
  }

 private:
  Options opts_;
  loop::Scheduler *sched_;
  EventSink *sink_;
  Stats stats_;
  std::shared_ptr<ResultStore> results_;
  ContextScorer scorer_;
  event_base *base_;
  std::unique_ptr<limits::RateLimits> limits_;
  std::string llm_service_;
  SpeculationHistory spec_history_;
  Predictor predictor_;
  std::shared_ptr<LoopGate> gate_;

  ToolRegistry registry_;
  loop::WorkerPool pool_;
  Dispatcher dispatcher_;  // after limits_: destroyed first
};

}  // namespace toolorch::core

// Everything a context runs, minus I/O: the tool registry, the dispatcher,
// the worker pool and the counters, on a Scheduler it is given (the libevent
// loop in the library, a fake clock in tests). Jobs and limits plug in here.
#pragma once

#include <memory>

#include "core/dispatcher.h"
#include "core/options.h"
#include "core/stats.h"
#include "core/tool_registry.h"
#include "loop/worker_pool.h"

namespace toolorch::core {

class Engine {
 public:
  Engine(const Options &opts, loop::Scheduler *sched, EventSink *sink);
  ~Engine();  // loop thread (or after the loop stopped)

  // Loop thread: end the work of every owner first (they cancel their
  // calls), then call this, then the destructor joins the pool.
  void shutdown();

  const Options &options() const { return opts_; }
  const CoreOptions &core() const { return opts_.core(); }
  ToolRegistry &registry() { return registry_; }
  Dispatcher &dispatcher() { return dispatcher_; }
  Stats &stats() { return stats_; }
  loop::Scheduler *sched() const { return sched_; }
  EventSink *sink() const { return sink_; }

 private:
  Options opts_;
  loop::Scheduler *sched_;
  EventSink *sink_;
  Stats stats_;
  ToolRegistry registry_;
  loop::WorkerPool pool_;
  Dispatcher dispatcher_;
};

}  // namespace toolorch::core

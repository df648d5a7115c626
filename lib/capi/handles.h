// What the opaque handles of the C ABI are inside. Only lib/capi sees this.
#pragma once

#include <toolorch/toolorch.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "capi/event_queue.h"
#include "core/batch.h"
#include "core/engine.h"
#include "core/group.h"
#include "core/job.h"
#include "http/http_client.h"
#include "llm/provider.h"
#include "core/options.h"
#include "loop/event_loop.h"
#include "obs/metrics_server.h"
#include "obs/observability.h"
#include "obs/otlp_exporter.h"
#include "tools/builtin_runner.h"

namespace toolorch::mcp {
class Server;
}

struct toolorch_opts {
  toolorch::core::Options options;
};

struct toolorch_group_policy {
  toolorch::core::GroupPolicy policy;
};

struct toolorch_tool {
  toolorch::core::ToolSpec spec;  // its runner is made at registration
  toolorch_tool_fn fn = nullptr;  // null: an external tool (TOOL_CALL events)
  void *fn_userdata = nullptr;
  // A kind the library runs itself (toolorch_tool_set_http / _set_command):
  // its runner is made at registration, bound to that context.
  enum class Builtin { kNone, kHttp, kCommand } builtin = Builtin::kNone;
  std::string http_url;
  std::vector<std::string> http_headers;  // "Name: value"
  std::vector<std::string> command_argv;
};

struct toolorch_batch {
  toolorch_ctx *ctx = nullptr;
  std::atomic<bool> submit_requested{false};  // submit is once, decided on the caller's thread
  std::unique_ptr<toolorch::core::Batch> impl;
  void *userdata = nullptr;
  // toolorch_batch_new_queued: every event of the batch goes here (null:
  // the context's callback or queue). Made before any event can be.
  std::shared_ptr<toolorch::capi::EventQueue> own_queue;
};

namespace toolorch::capi {
// toolorch_batch_add and _add_in_group (group: null for none; batch not null).
int batch_add(toolorch_batch *batch, const char *tool_name, const char *args_json, const char *call_id,
              const char *group);
}  // namespace toolorch::capi

// toolorch_call is core::Call and toolorch_event is core::Event, cast at the
// border: no wrapper allocation per call or event.
namespace toolorch::capi {
inline core::Call *call_of(toolorch_call *c) { return reinterpret_cast<core::Call *>(c); }
inline const core::Call *call_of(const toolorch_call *c) { return reinterpret_cast<const core::Call *>(c); }
inline toolorch_call *handle_of(core::Call *c) { return reinterpret_cast<toolorch_call *>(c); }
inline const core::Event *event_of(const toolorch_event *e) { return reinterpret_cast<const core::Event *>(e); }
inline toolorch_event *handle_of(core::Event *e) { return reinterpret_cast<toolorch_event *>(e); }
}  // namespace toolorch::capi

struct toolorch_job {
  toolorch_ctx *ctx = nullptr;
  std::unique_ptr<toolorch::core::Job> impl;
  std::unique_ptr<toolorch::llm::Provider> spec_model;  // speculation source "model"
  void *userdata = nullptr;
  // toolorch_job_start_queued: every event of the job goes here (null: the
  // context's callback or queue). Made before the job starts.
  std::shared_ptr<toolorch::capi::EventQueue> own_queue;
};

namespace toolorch::capi {
// The own queue an event goes to (its job's or batch's, if made queued), or
// null. Loop thread (the handle is alive while it emits).
std::shared_ptr<EventQueue> *own_queue_of(const core::Event &ev);
// toolorch_next_event and the job's and batch's own: wait on q as the
// calling thread may (never on the loop thread), hand out the event.
int next_event_from(toolorch_ctx *ctx, EventQueue *q, int timeout_ms, toolorch_event **out);
}  // namespace toolorch::capi

namespace toolorch::capi {
// The speculation model of a job (its "model" section over the context's
// "llm"); fills env's model name and service. Null + *err if it cannot be made.
std::unique_ptr<llm::Provider> make_speculation_model(toolorch_ctx *ctx, const core::SpeculationConfig &cfg,
                                                      core::SpeculationEnv *env, std::string *err);
// toolorch_free: the prediction handles a predictor never finished.
void release_predictions(toolorch_ctx *ctx);
}  // namespace toolorch::capi

struct toolorch_prediction;
struct toolorch_ctx final : toolorch::core::EventSink {
  bool owned = true;
  std::unique_ptr<toolorch::loop::EventLoop> loop;
  std::unique_ptr<toolorch::core::Engine> engine;
  toolorch::capi::EventQueue queue;
  toolorch_event_fn event_fn = nullptr;
  void *event_ud = nullptr;
  std::atomic<bool> closing{false};
  std::unordered_set<toolorch_batch *> batches;  // alive, loop thread only
  std::unordered_set<toolorch_job *> jobs;       // alive, loop thread only
  // Made on the loop thread when the first job starts.
  std::unique_ptr<toolorch::http::Client> http;
  std::unique_ptr<toolorch::llm::Provider> provider;
  // Observability (lib/obs): null when metrics are off and nothing traces.
  std::unique_ptr<toolorch::obs::Observability> obs;
  std::unique_ptr<toolorch::obs::OtlpExporter> exporter;       // when tracing
  std::unique_ptr<toolorch::obs::MetricsServer> metrics_server; // "metrics_listen"
  bool metrics_on = false;
  std::mutex user_metrics_mu;
  std::unordered_set<std::string> user_metrics;  // names defined through the C API; guarded
  // Builds the above from the options (loop thread, before any work).
  int init_observability(std::string *err);
  // Owned mode: send the spans still queued, waiting at most timeout_ms.
  void flush_traces(int64_t timeout_ms);

  // The LLM provider of the "llm" options (loop thread); null + *err if not.
  toolorch::llm::Provider *get_provider(std::string *err);
  // The HTTP client shared by the provider and HTTP tools, made on first use
  // (loop thread); null + *err if it cannot be made.
  toolorch::http::Client *get_http(std::string *err);

  // Runners of the built-in tool kinds registered here: shut down (their
  // transfers and child processes released) before the HTTP client and the
  // loop go away.
  std::mutex runners_mu;
  std::vector<std::shared_ptr<toolorch::tools::BuiltinRunner>> runners;  // guarded by runners_mu
  // MCP servers added (capi/mcp.cc); each is in `runners` too. Loop thread.
  std::vector<std::shared_ptr<toolorch::mcp::Server>> mcp_servers;

  // Prediction handles handed to the host's predictor and not yet done:
  // released by toolorch_free.
  std::mutex predictions_mu;
  std::unordered_set<toolorch_prediction *> predictions;  // guarded by predictions_mu

  // Deliver an event: to its job's or batch's own queue if it has one, else
  // to the callback if set, else to the context's queue. Loop thread.
  void emit(toolorch::core::EventPtr ev) override;
  // The context's queue's events emitted by the loop's current pass over
  // its mailbox (loop thread): handed over together at the pass's end (or
  // every kEventsPerHandover), so that a consumer on another thread is
  // woken once for them, not once per event (in queue mode a slower loop
  // thread, e.g. when tracing, made every event a wake-up and two context
  // switches).
  static constexpr size_t kEventsPerHandover = 64;
  std::vector<toolorch::core::EventPtr> pending_events;
  void hand_over_events() { queue.push_all(&pending_events); }

  // Run fn on the loop thread and return its status. Owned mode marshals
  // onto the library's thread; borrowed mode demands the host's loop thread
  // (EMODE otherwise).
  int on_loop(const std::function<int()> &fn);

  // Run a cancel so that it has taken effect when the caller returns: on the
  // loop thread directly; in owned mode from another thread by waiting for
  // the loop (so a result completed after the cancel returns is ELATE, as
  // call.h says). Borrowed mode from another thread: posted, as the host's
  // loop thread may be the one waiting for the caller. Closing: OK (closing
  // cancels everything).
  int cancel_on_loop(std::function<int()> fn);

  // Both of the above from another thread in owned mode: fn on the loop
  // thread, waited for, its error detail carried back. *ran: false if the
  // loop is closing and fn did not run.
  int run_marshalled(const std::function<int()> &fn, bool *ran);

  // A batch cut off by the close (loop thread, `closing` set): no event of
  // it any more; its own queue, if any, ends with a BATCH_DONE of status
  // ECLOSED unless its end is there already.
  void end_batch_closed(toolorch_batch *b);

  // Cancel everything and close the queues: the context's, and each own
  // queue of a job or batch whose end had not come, with a final JOB_DONE /
  // BATCH_DONE of status ECLOSED. Idempotent, any thread.
  void close();
};

/*
 * toolorch.i -- the one SWIG interface over the C ABI, shared by the Go, Java
 * and Ruby bindings. Each language has a thin file (toolorch_go.i,
 * toolorch_java.i, toolorch_ruby.i) that names the module, adds its own
 * typemaps and then includes this one.
 *
 * The bindings use the event-queue mode only: the library runs its loop on
 * its own thread, every job and batch has its own event queue
 * (toolorch_job_start_queued, toolorch_batch_new_queued) and everything comes
 * out of those queues, so no thread of the library ever calls into the Go,
 * Java or Ruby runtime. That is why every function taking a C callback is
 * left out below.
 *
 * The few functions whose C shape does not wrap well in all three languages
 * (out-parameters, void* userdata) get small helpers, toolorch_bind_*.
 */

%{
#include <stdint.h>
#include <toolorch/toolorch.h>
%}

%include <stdint.i>

/* -- Left out: callbacks would run on the library's thread. -------------- */
%ignore toolorch_set_event_fn;
%ignore toolorch_call_on_cancel;
%ignore toolorch_set_scorer;
%ignore toolorch_group_policy_set_scorer;
/* (Scorers come in their event form instead: toolorch_set_scorer_external,
 * toolorch_group_policy_set_scorer_external, TOOLORCH_EVENT_SCORE.) */
%ignore toolorch_tool_set_fn;
%ignore toolorch_add_mcp_server_async;
%ignore toolorch_set_log_fn;
/* Chains: a step's computed arguments would be called back on the library's
 * thread; the bindings register chains from their JSON form. */
%ignore toolorch_chain_set_args_fn;
%ignore toolorch_chain_args_set;
%ignore toolorch_chain_args_fail;
/* Speculation's "predictor" source is a callback on the library's thread, and
 * its prediction handle comes only through it; the bindings read the
 * speculation events and use the other sources. */
%ignore toolorch_set_predictor;
%ignore toolorch_prediction_add;
%ignore toolorch_prediction_done;

/* -- Replaced by the helpers below (out-parameters, void* userdata). ----- */
%ignore toolorch_new;
%ignore toolorch_next_event;
%ignore toolorch_job_start;
%ignore toolorch_batch_new;
%ignore toolorch_job_start_queued;
%ignore toolorch_batch_new_queued;
%ignore toolorch_job_next_event;
%ignore toolorch_batch_next_event;
%ignore toolorch_event_userdata;
/* Byte strings with a length: every binding passes NUL-free text. */
%ignore toolorch_call_complete_len;

/* An owned string the wrapper frees with free() after copying it. */
%newobject toolorch_metrics_text;

/* The headers define TOOLORCH_API for GCC only; SWIG's preprocessor is not. */
#define TOOLORCH_API

%include <toolorch/status.h>
%include <toolorch/opts.h>
%include <toolorch/ctx.h>
%include <toolorch/tool.h>
%include <toolorch/call.h>
%include <toolorch/batch.h>
%include <toolorch/event.h>
%include <toolorch/job.h>
%include <toolorch/group.h>
%include <toolorch/limits.h>
%include <toolorch/mcp.h>
%include <toolorch/metrics.h>
%include <toolorch/log.h>
%include <toolorch/chain.h>
%include <toolorch/speculation.h>

/*
 * Helpers. No userdata crosses: the library routes each run's events to its
 * own queue, so the bindings keep no pointer into their heap in C memory
 * (Go forbids it; Java and Ruby objects move).
 *
 * The status of the last helper that returns a handle is kept per thread, as
 * toolorch_last_error() keeps its detail: read both on the thread that made
 * the call (the Go binding locks its goroutine to its thread for that).
 */
%{
static _Thread_local int toolorch_bind_status_;
%}

%inline %{
/* Status of the last toolorch_bind_new/_job_start_queued/_batch_new_queued/
 * _job_next_event/_batch_next_event made on this thread: TOOLORCH_OK or the
 * failure. */
static int toolorch_bind_last_status(void) { return toolorch_bind_status_; }

/* toolorch_new() in owned-loop mode; NULL on failure (see the status and
 * toolorch_last_error(NULL)). */
static toolorch_ctx *toolorch_bind_new(const toolorch_opts *opts) {
  toolorch_bind_status_ = TOOLORCH_OK;
  return toolorch_new(opts, &toolorch_bind_status_);
}

/* A job / batch with its own event queue (toolorch_job_start_queued,
 * toolorch_batch_new_queued): its consumer reads only its events, the close
 * handshake (exactly one final JOB_DONE / BATCH_DONE, ECLOSED if the context
 * closed first) is the library's. */
static toolorch_job *toolorch_bind_job_start_queued(toolorch_ctx *ctx, const char *request_json) {
  toolorch_bind_status_ = TOOLORCH_OK;
  return toolorch_job_start_queued(ctx, request_json, NULL, &toolorch_bind_status_);
}
static toolorch_batch *toolorch_bind_batch_new_queued(toolorch_ctx *ctx) {
  toolorch_batch *b = toolorch_batch_new_queued(ctx, NULL);
  toolorch_bind_status_ = b ? TOOLORCH_OK : (ctx ? TOOLORCH_ECLOSED : TOOLORCH_EINVAL);
  return b;
}
/* The next event of the run, or NULL with the status EAGAIN (none in time)
 * or ECLOSED (its final event was taken). */
static toolorch_event *toolorch_bind_job_next_event(toolorch_job *job, int timeout_ms) {
  toolorch_event *ev = NULL;
  toolorch_bind_status_ = toolorch_job_next_event(job, timeout_ms, &ev);
  return ev;
}
static toolorch_event *toolorch_bind_batch_next_event(toolorch_batch *batch, int timeout_ms) {
  toolorch_event *ev = NULL;
  toolorch_bind_status_ = toolorch_batch_next_event(batch, timeout_ms, &ev);
  return ev;
}

/* toolorch_limits_stat of the rate limits' backend (service NULL): a NULL
 * string does not cross every binding. */
static int64_t toolorch_bind_limits_backend_stat(toolorch_ctx *ctx, const char *key) {
  return toolorch_limits_stat(ctx, NULL, key);
}

/* A call handle's address: the same number for every wrapper of one call
 * (bindings key the tool working on a call by it; TOOL_CANCELLED names it). */
static int64_t toolorch_bind_call_key(const toolorch_call *call) { return (int64_t)(intptr_t)call; }

/* TOOLORCH_STATUS_MIN (a #define some bindings leave out): the lowest code. */
static int toolorch_bind_status_min(void) { return TOOLORCH_STATUS_MIN; }

/* toolorch_set_scorer(ctx, NULL, NULL): the context's scorer back to none
 * (every success scores 1.0) after toolorch_set_scorer_external. The
 * function form itself is left out (it would run on the library's thread). */
static int toolorch_bind_clear_scorer(toolorch_ctx *ctx) { return toolorch_set_scorer(ctx, NULL, NULL); }

%}

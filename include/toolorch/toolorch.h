/*
 * toolorch — fan one LLM decision out into many tool calls at once.
 *
 * The stable C ABI. Conventions (see docs/ARCHITECTURE.md):
 *  - Opaque handles only; nothing here exposes a struct layout.
 *  - Functions returning int return TOOLORCH_OK (0) or a negative toolorch_status.
 *    toolorch_strerror() names a code; toolorch_last_error() gives the detail of
 *    the last failure on a context (per thread).
 *  - Every callback takes `void *userdata`. Strings handed to a callback are
 *    borrowed until it returns; strings passed in are copied before return.
 *  - Thread safety is stated per function:
 *      [any thread]  safe from any thread at any time;
 *      [loop thread] in borrowed-loop mode, only from the thread running the
 *                    host's event_base; in owned-loop mode, from any thread
 *                    (the library marshals it onto its own loop).
 *  - Callbacks and re-entrancy (each callback's header repeats its own rule):
 *      every callback runs on the loop thread, except a BLOCKING tool's
 *      function (a worker thread) and the log callback (the thread that logs).
 *      Within any callback of the library:
 *      - toolorch_free() is refused: it returns at once, frees nothing and
 *        sets toolorch_last_error(ctx). Free a context outside every callback.
 *      - Every other function may be called as its thread tag allows, except
 *        where a callback's own rule below says less.
 *      - A call that ends calls (toolorch_job_cancel, toolorch_batch_cancel,
 *        toolorch_call_complete, ...) made on the loop thread delivers the
 *        resulting events before it returns, to the event callback, which is
 *        so re-entered: don't hold a lock across such a call that your event
 *        callback takes. (From another thread in owned-loop mode the events
 *        come on the loop thread; the cancel has taken effect on return.)
 *      Per callback:
 *      - event callback (toolorch_set_event_fn): anything above, including
 *        toolorch_job_free / toolorch_batch_free of the event's own job or
 *        batch, also from its JOB_DONE / BATCH_DONE: no event of it follows,
 *        and the event in hand stays valid until the callback returns. It may
 *        start new batches and jobs.
 *      - tool function (toolorch_tool_fn): may complete or fail its call at
 *        once or later; may cancel its own call, batch or job (the call then
 *        ends cancelled, and completing it afterwards returns ELATE).
 *      - cancel function (toolorch_call_on_cancel): may complete or fail the
 *        call to release it (ELATE).
 *      - scorer (toolorch_score_fn): runs while a result is recorded; may
 *        read the context (toolorch_stat, accessors) but must not start or
 *        end calls.
 *      - predictor (toolorch_predictor_fn) and MCP ready callback: anything
 *        above.
 *      - log callback: must not call into the context; the functions that
 *        take no handle (toolorch_strerror, toolorch_log_level_name, ...)
 *        are fine.
 *  - Nothing aborts on bad input: NULL handles and invalid JSON return errors.
 *    Every failing call leaves its own detail: toolorch_last_error(ctx) for
 *    calls on a context (or a handle of one), toolorch_last_error(NULL) for
 *    calls without (tools, policies, calls, NULL handles), and
 *    toolorch_opts_last_error(opts) for options.
 *
 * The ABI promise. The library's SONAME is libtoolorch.so.<major>. Within
 * one SONAME the ABI only grows: enums (statuses, event types, states) and
 * functions are appended, never renumbered, removed or changed in meaning,
 * and no public struct exists whose layout could change. So a program built
 * against an older release runs against a newer one; handle a status or
 * event type you do not know as a generic error / an event to skip. An
 * incompatible change bumps the SONAME. TOOLORCH_VERSION_NUM is the version
 * compiled against, toolorch_version_check() asks the library loaded.
 */
#ifndef TOOLORCH_TOOLORCH_H
#define TOOLORCH_TOOLORCH_H

/* One header per public concept; this umbrella includes them all. */
#include <toolorch/status.h>
#include <toolorch/opts.h>
#include <toolorch/ctx.h>
#include <toolorch/tool.h>
#include <toolorch/call.h>
#include <toolorch/batch.h>
#include <toolorch/event.h>
#include <toolorch/job.h>
#include <toolorch/group.h>
#include <toolorch/mcp.h>
#include <toolorch/limits.h>
#include <toolorch/metrics.h>
#include <toolorch/log.h>
#include <toolorch/speculation.h>
#include <toolorch/chain.h>

#endif /* TOOLORCH_TOOLORCH_H */

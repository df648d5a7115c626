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

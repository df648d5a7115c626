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
#include <toolorch/limits.h>
#include <toolorch/speculation.h>

#endif /* TOOLORCH_TOOLORCH_H */

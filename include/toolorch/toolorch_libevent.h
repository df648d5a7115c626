/* toolorch — borrowed-loop mode: live inside a host's libevent event_base.
 * Part of the C ABI: see toolorch.h for the conventions. */
#ifndef TOOLORCH_LIBEVENT_H
#define TOOLORCH_LIBEVENT_H

#include <toolorch/toolorch.h>

struct event_base;

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Create a context that adds its events (timers, sockets, its wake-up fd) to
 * the host's base. The library never dispatches, breaks or frees that base;
 * the host runs it. Every callback (tools, events) then runs on the thread
 * that dispatches the base, and the functions marked [loop thread] must be
 * called from that thread too. Calls marked [any thread] (completing a call,
 * cancelling) may come from other threads: they wake the host's loop through
 * an fd the library watched on the base.
 * Free the context with toolorch_free() before freeing the base.
 * On failure returns NULL and stores the status in *status (if non-NULL).
 */
TOOLORCH_API toolorch_ctx *toolorch_new_with_base(struct event_base *base,
                                                  const toolorch_opts *opts, int *status);

#ifdef __cplusplus
}
#endif

#endif /* TOOLORCH_LIBEVENT_H */

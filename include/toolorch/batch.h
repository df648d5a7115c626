/* toolorch — batches: many calls without an LLM. Part of the C ABI: see toolorch.h for the conventions. */
#ifndef TOOLORCH_BATCH_H
#define TOOLORCH_BATCH_H

#include <toolorch/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A batch runs many calls without an LLM: each call's result arrives as a
 * TOOLORCH_EVENT_CALL_RESULT as soon as it ends (completion order), then one
 * TOOLORCH_EVENT_BATCH_DONE. userdata is returned on every event of the batch.
 * [loop thread] (owned-loop mode: from any thread; the batch is handed to the
 * loop without waiting for it. One made as the context is closed gets its
 * end from the close, as a batch made before it.)
 */
TOOLORCH_API toolorch_batch *toolorch_batch_new(toolorch_ctx *ctx, void *userdata);
/*
 * Add a call before submit. call_id may be NULL (one is generated as the batch
 * is submitted: "call_<n>", never an id given to another call of the batch).
 * An unknown tool or invalid JSON is not an error here: that call ends as
 * failed with a clear message, so a batch from a model's output never aborts.
 * EINVAL on NULL; ESTATE after submit; EEXIST for a call_id given twice in the
 * batch; ETOOBIG for a tool name, arguments or call_id of 4 GiB or more
 * (arguments are refused above max_args_bytes, at most 1 GiB, anyway).
 * [loop thread]
 */
TOOLORCH_API int toolorch_batch_add(toolorch_batch *batch, const char *tool_name,
                                    const char *args_json, const char *call_id);
/* Start every call. A batch is submitted once. [loop thread] */
TOOLORCH_API int toolorch_batch_submit(toolorch_batch *batch);
/* Cancel every call of the batch that has not ended. [any thread] On the
 * loop thread the CALL_RESULT events and BATCH_DONE are delivered before it
 * returns; in owned-loop mode from another thread it waits for the loop (the
 * calls have ended on return); in borrowed-loop mode from another thread it
 * is posted to the host's loop. */
TOOLORCH_API int toolorch_batch_cancel(toolorch_batch *batch);
/* Cancel one call of the batch, by its id (the id given to toolorch_batch_add
 * or the one generated, as its events carry it): it ends as cancelled
 * (CALL_RESULT with TOOLORCH_CALL_CANCELLED; a tool still running it is told,
 * as for any cancel) and the batch goes on. OK; ELATE if it had ended
 * already; EINVAL if the batch has no call of that id (the detail in
 * toolorch_last_error). Before submit the call ends cancelled as the batch is
 * submitted. [any thread] As toolorch_batch_cancel: on the loop thread and in
 * owned-loop mode the call has ended on return; in borrowed-loop mode from
 * another thread it is posted (OK). */
TOOLORCH_API int toolorch_batch_cancel_call(toolorch_batch *batch, const char *call_id);
/*
 * A batch with its own event queue: toolorch_batch_new, except that every
 * event of the batch -- the TOOL_CALL, TOOL_CANCELLED, CHAIN_ARGS and SCORE
 * of its calls included, so that whoever consumes the batch also runs its
 * external tools -- goes to the batch's own queue, read with
 * toolorch_batch_next_event, and never to the context's callback or queue.
 * [loop thread] (owned-loop mode marshals it, as toolorch_batch_new.)
 */
TOOLORCH_API toolorch_batch *toolorch_batch_new_queued(toolorch_ctx *ctx, void *userdata);
/*
 * The next event of a batch made by toolorch_batch_new_queued: as
 * toolorch_job_next_event (toolorch/job.h), with BATCH_DONE as the one final
 * event (OK once every call ended, also after toolorch_batch_cancel; of
 * status TOOLORCH_ECLOSED when toolorch_close / toolorch_free came first,
 * the events not yet taken then dropped). A batch never submitted has its
 * BATCH_DONE only from the context's close. EMODE for a batch made by
 * toolorch_batch_new. [any thread], several threads at once; never during or
 * after toolorch_batch_free of that batch.
 */
TOOLORCH_API int toolorch_batch_next_event(toolorch_batch *batch, int timeout_ms, toolorch_event **out);
/* Calls added, and calls ended so far. [any thread] */
TOOLORCH_API size_t toolorch_batch_size(const toolorch_batch *batch);
TOOLORCH_API size_t toolorch_batch_ended(const toolorch_batch *batch);
/* Cancel what still runs and release the batch. Events already queued stay
 * valid. May be called from the batch's own event callbacks, BATCH_DONE
 * included: no event of it follows. [loop thread] */
TOOLORCH_API void toolorch_batch_free(toolorch_batch *batch);

#ifdef __cplusplus
}
#endif

#endif /* TOOLORCH_BATCH_H */

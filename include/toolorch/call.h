/* toolorch — a tool call as its tool sees it. Part of the C ABI: see toolorch.h for the conventions. */
#ifndef TOOLORCH_CALL_H
#define TOOLORCH_CALL_H

#include <toolorch/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Call states. A call reaches exactly one of the four ends, exactly once. */
typedef enum toolorch_call_state {
  TOOLORCH_CALL_PENDING = 0,   /* created, not yet considered for dispatch */
  TOOLORCH_CALL_WAITING = 1,   /* waiting for a parallelism slot or a permit */
  TOOLORCH_CALL_RUNNING = 2,   /* its tool has it */
  TOOLORCH_CALL_SUCCEEDED = 3,
  TOOLORCH_CALL_FAILED = 4,
  TOOLORCH_CALL_CANCELLED = 5,
  TOOLORCH_CALL_TIMED_OUT = 6
} toolorch_call_state;

/* [any thread] A static name ("running", "timed_out", ...). */
TOOLORCH_API const char *toolorch_call_state_name(int state);

/*
 * Finish a call with its result (any text, usually JSON). [any thread]
 * Returns OK if the result was accepted, EALREADY if this call was completed
 * or failed before, ELATE if the call had already ended (timed out or
 * cancelled): the result is then dropped and counted, never delivered.
 * A cancel (toolorch_call_cancel, toolorch_job_cancel, toolorch_batch_cancel,
 * ..._cancel_group) has ended its calls when it returns on the loop thread,
 * and in owned-loop mode from any thread (it waits for the loop), so a
 * result completed after it returns gets ELATE. Two exceptions, where OK
 * means "accepted for now": in borrowed-loop mode a cancel made from another
 * thread is posted to the host's loop, and a deadline can pass between this
 * call and the loop's handling of a result completed from another thread;
 * such a result is then dropped and counted as late all the same.
 */
TOOLORCH_API int toolorch_call_complete(toolorch_call *call, const char *result);
/* Like toolorch_call_complete, with a result of len bytes (need not end in NUL). */
TOOLORCH_API int toolorch_call_complete_len(toolorch_call *call, const char *result, size_t len);
/* Finish a call as failed with a message for the model or the caller. [any thread] */
TOOLORCH_API int toolorch_call_fail(toolorch_call *call, const char *message);

/* Flags of a failure, OR-ed. */
#define TOOLORCH_FAIL_RETRYABLE 0x1u /* worth retrying (a 429, a 5xx, a dropped connection) */
#define TOOLORCH_FAIL_FATAL 0x2u     /* never retry; with on_failure "cancel_siblings" it cancels the group */
/* Like toolorch_call_fail, with flags. A failure is retried when the tool has
 * a retry policy (toolorch_tool_set_retry) and the failure is RETRYABLE, or
 * the tool is flagged TOOLORCH_TOOL_RETRYABLE and the failure is not FATAL.
 * The retry hands the same call to the tool again. [any thread] */
TOOLORCH_API int toolorch_call_fail_ex(toolorch_call *call, const char *message, unsigned flags);

/* Cancel one call from outside its tool: it ends as cancelled (its tool's
 * cancel function runs). OK, or ELATE if it had ended. [any thread]; in
 * owned-loop mode it waits for the loop, so the call has ended on return. */
TOOLORCH_API int toolorch_call_cancel(toolorch_call *call);

/*
 * Be told when the call ends without the tool's result (cancelled, timed out,
 * its job or batch cancelled): fn runs once, on the loop thread, so the tool
 * can stop its work. The tool still finishes the call afterwards with
 * toolorch_call_complete/_fail (which then return TOOLORCH_ELATE) so that the
 * handle is released. Returns ELATE (and fn will not run) if the call has
 * ended already. A second registration replaces the first. [any thread]
 * fn may complete or fail the call (ELATE) and call anything but
 * toolorch_free (toolorch.h, "Callbacks and re-entrancy").
 */
typedef void (*toolorch_cancel_fn)(toolorch_call *call, void *userdata);
TOOLORCH_API int toolorch_call_on_cancel(toolorch_call *call, toolorch_cancel_fn fn, void *userdata);

/* [any thread] Accessors; strings are borrowed for the call's lifetime. */
TOOLORCH_API const char *toolorch_call_id(const toolorch_call *call);
TOOLORCH_API const char *toolorch_call_tool_name(const toolorch_call *call);
TOOLORCH_API const char *toolorch_call_args(const toolorch_call *call);
TOOLORCH_API int toolorch_call_get_state(const toolorch_call *call);
/* Non-zero once the call ended without its tool's result (cancelled or timed
 * out): a long-running tool polls this to stop early. */
TOOLORCH_API int toolorch_call_is_cancelled(const toolorch_call *call);

#ifdef __cplusplus
}
#endif

#endif /* TOOLORCH_CALL_H */

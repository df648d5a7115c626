/* toolorch — events and the thread-safe event queue. Part of the C ABI: see toolorch.h for the conventions. */
#ifndef TOOLORCH_EVENT_H
#define TOOLORCH_EVENT_H

#include <toolorch/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum toolorch_event_type {
  TOOLORCH_EVENT_NONE = 0,
  TOOLORCH_EVENT_TOOL_CALL = 1,   /* an external tool (fn == NULL) must run: see event_call */
  TOOLORCH_EVENT_CALL_STARTED = 2,/* a call got its slot and permits and is running */
  TOOLORCH_EVENT_CALL_RESULT = 3, /* a call ended: state, text = result or error */
  TOOLORCH_EVENT_BATCH_DONE = 4,  /* every call of a batch has ended */
  TOOLORCH_EVENT_TEXT_DELTA = 5,  /* a piece of the model's text (jobs) */
  TOOLORCH_EVENT_LLM_TOOL_CALL = 6, /* the model asked for a call (its arguments are complete) */
  TOOLORCH_EVENT_USAGE = 7,       /* tokens used by one LLM response (jobs) */
  TOOLORCH_EVENT_ROUND_DONE = 8,  /* one LLM round and its calls finished (jobs) */
  TOOLORCH_EVENT_JOB_DONE = 9,    /* a job ended: status, text = final answer */
  TOOLORCH_EVENT_TOOL_CANCELLED = 10, /* a call handed out by TOOL_CALL ended without its result
                                        (cancelled, timed out, its group or job cancelled): stop
                                        its work; event_call is the same handle, call_state says how
                                        it ended, status is ECANCELLED or ETIMEDOUT, text says why.
                                        Completing it afterwards returns ELATE. */
  TOOLORCH_EVENT_SPECULATION = 11,    /* a guessed call's outcome (toolorch/speculation.h) */
  TOOLORCH_EVENT_PROGRESS = 12,   /* a running call's tool reported progress (MCP): see event_progress */
  /* The four below only with the option emit_progress_events (toolorch/opts.h). */
  TOOLORCH_EVENT_LLM_REQUEST = 13,  /* a job's LLM request went out: round, attempts = this round's
                                       attempt (1, then 2... for retries) */
  TOOLORCH_EVENT_LLM_RESPONSE = 14, /* that request ended (answered, failed or timed out): status,
                                       run_us = its duration, http_status, text = the error ("" if OK) */
  TOOLORCH_EVENT_LLM_RETRY = 15,    /* a failed LLM request will be sent again: status and text = the
                                       failure, http_status, wait_us = the delay before it (backoff or
                                       Retry-After), attempts = the coming attempt, max_attempts = the
                                       last one the job's llm_retries allow */
  TOOLORCH_EVENT_RATE_LIMIT_WAIT = 16, /* a call (call_id, tool_name) or a job's LLM request (call_id "")
                                         waits for rate-limit permits of the service named by text;
                                         it ends at the call's CALL_STARTED / CALL_RESULT or the
                                         job's next LLM_REQUEST / JOB_DONE */
  TOOLORCH_EVENT_CHAIN_ARGS = 17, /* a chain step whose arguments the host computes
                                     (toolorch_chain_set_args_external) is about to run: event_call
                                     is the request to answer -- toolorch_call_complete with the
                                     arguments (a JSON object) or toolorch_call_fail -- from any
                                     thread, as an external tool's call; tool_name = the chain's
                                     name, text = the step's name, json = {"input":..., "results":
                                     {...}}, call_id = "<chain call>/<step>", parent_call_id = the
                                     chain's call. toolorch/chain.h */
  TOOLORCH_EVENT_SCORE = 18       /* a branch's success for a group scored by the host
                                     (toolorch_group_policy_set_scorer_external,
                                     toolorch_set_scorer_external) waits for its score:
                                     event_call is the request to answer --
                                     toolorch_call_complete with the score as a JSON number
                                     ("0.8"), or toolorch_call_fail (no score) -- from any
                                     thread, as an external tool's call; call_id, tool_name,
                                     json = the scored call's id, tool and arguments, text =
                                     its result, parent_call_id = its id, event_group = the
                                     group. TOOL_CANCELLED when the score can no longer
                                     matter. toolorch/group.h */
} toolorch_event_type;

/*
 * Events reach the caller one of two ways:
 *  - an event callback, set before any work starts: called on the loop thread
 *    with a borrowed event (valid until it returns);
 *  - otherwise the thread-safe queue: toolorch_next_event() hands out owned
 *    events, freed with toolorch_event_free().
 * What an event callback may call (toolorch.h, "Callbacks and re-entrancy"):
 * anything but toolorch_free, including freeing the event's own job or batch
 * (also from JOB_DONE / BATCH_DONE); it is re-entered by the events of a
 * cancel or completion it makes on the loop thread.
 */
typedef void (*toolorch_event_fn)(const toolorch_event *event, void *userdata);
/* [loop thread] fn == NULL returns to the queue. */
TOOLORCH_API int toolorch_set_event_fn(toolorch_ctx *ctx, toolorch_event_fn fn, void *userdata);

/*
 * Take the next event, waiting up to timeout_ms (0 = don't wait, -1 = forever).
 * Returns OK and *out, EAGAIN when none came in time, ECLOSED after the context
 * began shutting down. In borrowed-loop mode timeout_ms must be 0 (waiting
 * would stall the host's loop that produces the events). [any thread]
 */
TOOLORCH_API int toolorch_next_event(toolorch_ctx *ctx, int timeout_ms, toolorch_event **out);
/*
 * A file descriptor that is readable while the queue holds an event, for
 * poll/epoll/glib/Qt/Go/Ruby loops. Never read from it; call
 * toolorch_next_event until EAGAIN. Owned by ctx. [any thread]
 */
TOOLORCH_API int toolorch_event_fd(const toolorch_ctx *ctx);
/* [any thread] */
TOOLORCH_API void toolorch_event_free(toolorch_event *event);

/* Accessors [any thread]; strings are borrowed for the event's lifetime and
 * are "" when the event has no such field. */
TOOLORCH_API int toolorch_event_type_of(const toolorch_event *event);
TOOLORCH_API const char *toolorch_event_type_name(int type);
/* The batch's or job's userdata. */
TOOLORCH_API void *toolorch_event_userdata(const toolorch_event *event);
TOOLORCH_API toolorch_batch *toolorch_event_batch(const toolorch_event *event);
/* TOOL_CALL: the call to complete (valid as toolorch_call says); CHAIN_ARGS:
 * the request to answer, the same way; TOOL_CANCELLED: the same call or
 * request, to find the work to stop. Others: NULL. */
TOOLORCH_API toolorch_call *toolorch_event_call(const toolorch_event *event);
TOOLORCH_API const char *toolorch_event_call_id(const toolorch_event *event);
TOOLORCH_API const char *toolorch_event_tool_name(const toolorch_event *event);
/* TOOL_CALL and LLM_TOOL_CALL: the arguments; CHAIN_ARGS: the context
 * {"input": ..., "results": {...}}; JOB_DONE: the transcript. */
TOOLORCH_API const char *toolorch_event_json(const toolorch_event *event);
/* CALL_RESULT: the result or the error message; TEXT_DELTA: the text;
 * JOB_DONE: the final answer or the error message; CHAIN_ARGS: the step's name. */
TOOLORCH_API const char *toolorch_event_text(const toolorch_event *event);
TOOLORCH_API size_t toolorch_event_text_len(const toolorch_event *event);
/* CALL_RESULT: the call's end state (toolorch_call_state). */
TOOLORCH_API int toolorch_event_call_state(const toolorch_event *event);
/* CALL_RESULT, BATCH_DONE, JOB_DONE: OK or the status of the failure. */
TOOLORCH_API int toolorch_event_status(const toolorch_event *event);
/* CALL_RESULT: microseconds running, and waiting for a slot or permits;
 * LLM_RESPONSE: the request's duration; LLM_RETRY: the delay before it. */
TOOLORCH_API int64_t toolorch_event_run_us(const toolorch_event *event);
TOOLORCH_API int64_t toolorch_event_wait_us(const toolorch_event *event);
/* CALL_RESULT: how many times the tool was run (retries included); CALL_STARTED:
 * the attempt starting; LLM_REQUEST, LLM_RESPONSE, LLM_RETRY: the attempt. */
TOOLORCH_API int toolorch_event_attempts(const toolorch_event *event);
/* CALL_STARTED, CALL_RESULT, TOOL_CALL, TOOL_CANCELLED, PROGRESS, CHAIN_ARGS of a call
 * that runs for another (a chain's step: toolorch/chain.h): the id of that
 * call (the chain's call); "" otherwise. */
TOOLORCH_API const char *toolorch_event_parent_call_id(const toolorch_event *event);
/* LLM_RETRY: the last attempt allowed (attempts of max_attempts); others 0. */
TOOLORCH_API int toolorch_event_max_attempts(const toolorch_event *event);
/* LLM_RESPONSE, LLM_RETRY: the response's HTTP status (0: none, e.g. the
 * connection failed). */
TOOLORCH_API int toolorch_event_http_status(const toolorch_event *event);
/* PROGRESS: how far the call is, and the total if the tool said (else 0);
 * toolorch_event_text is the tool's message ("" if none). */
TOOLORCH_API double toolorch_event_progress(const toolorch_event *event);
TOOLORCH_API double toolorch_event_progress_total(const toolorch_event *event);
/* SCORE: the name of the scored call's branch group; others "". */
TOOLORCH_API const char *toolorch_event_group(const toolorch_event *event);

#ifdef __cplusplus
}
#endif

#endif /* TOOLORCH_EVENT_H */

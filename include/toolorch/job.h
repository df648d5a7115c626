/* toolorch — jobs: the agent loop. One LLM request, the tool calls it asks
 * for (each dispatched the moment its own arguments are complete), their
 * results back to the model, the next round, until a final answer.
 * Part of the C ABI: see toolorch.h for the conventions. */
#ifndef TOOLORCH_JOB_H
#define TOOLORCH_JOB_H

#include <toolorch/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct toolorch_job toolorch_job;

/*
 * Start a job. The provider comes from the context's "llm" options section:
 *   {"llm": {"protocol": "openai" | "anthropic", "base_url": "...",
 *            "api_key_env": "OPENAI_API_KEY", "model": "gpt-4o-mini", ...}}
 * request_json (unknown keys are rejected by name):
 *   {"prompt": "user text"              -- or "messages": [{"role","content"}...]
 *    "system": "system text",           -- optional
 *    "model": "...",                    -- default: llm.model
 *    "tools": ["name", ...],            -- default: every registered tool
 *    "max_rounds": 8, "max_tokens": 4096, "stream": true,
 *    "parallel_tool_calls": true, "tool_choice": "auto",
 *    "eager_dispatch": "safe" | "all" | "off",
 *                    -- safe (default): a streamed call to a tool flagged
 *                       SIDE_EFFECT_FREE starts as soon as its own arguments
 *                       are complete; other tools wait for the whole response.
 *    "llm_timeout_ms": 120000,          -- one LLM request (each attempt)
 *    "total_timeout_ms": 600000,        -- the whole job
 *    "llm_retries": 3,                  -- for 429, 5xx, connect errors
 *    "llm_backoff_base_ms": 500, "llm_backoff_max_ms": 30000,
 *                    -- jittered exponential backoff capped by max_ms; a
 *                       Retry-After is then a floor (even above max_ms) up
 *                       to 60 s. A Retry-After over 60 s, or a retry that
 *                       could not start before total_timeout_ms, is not
 *                       waited for: the job ends at once with the
 *                       provider's message. A dropped stream (cut mid-way,
 *                       TOOLORCH_ESTREAM) is retried once, at once.
 *    "on_failure": "isolate" | "cancel_siblings",
 *                    -- isolate (default): a failed call's error is its result
 *                       for the model, the others go on; cancel_siblings: a
 *                       failure the tool marks TOOLORCH_FAIL_FATAL cancels
 *                       the other calls of its round.
 *    "speculation": {"source": "model" | "predictor" | "history" | "off",
 *                    "confidence_threshold": 0.5, "max_speculative_calls": 20,
 *                    "timeout_ms": 2000, "model": {...}},
 *                    -- start likely calls before the model asks for them
 *                       (toolorch/speculation.h); "model" is laid over the
 *                       context's "llm" section (default: the main model).
 *    "groups": [{"name": "research", "tools": ["arxiv", "web", "so"],
 *                "timeout_ms": 5000, "cancel_on_better_result": {"threshold": 0.8},
 *                "keep_top_n_branches": 2, "on_failure": "cancel_siblings"}]}
 *                    -- the calls of one round to these tools form a branch
 *                       group (toolorch/group.h; scored by toolorch_set_scorer).
 * What the model sees: one result per call it asked for, in its order. A
 * call that succeeded: its result, as valid UTF-8 (invalid byte sequences of
 * a tool's result are replaced by U+FFFD in the transcript and requests;
 * the CALL_RESULT event keeps the tool's bytes). A call that failed, timed out or was
 * cancelled by a group policy: "Error: <why>" flagged as an error
 * (Anthropic's is_error), e.g. "Error: cancelled: another branch of group
 * \"research\" answered well enough (score 0.9)".
 * Events (userdata on each): TEXT_DELTA, LLM_TOOL_CALL, CALL_STARTED (if
 * emit_call_started), CALL_RESULT, USAGE, ROUND_DONE, SPECULATION (one per
 * guess, when speculating), and one JOB_DONE whose
 * status is OK (text = the final answer) or the failure (text = message),
 * and whose json is the transcript.
 * Returns NULL (and *status) on a bad request or a missing provider.
 * [loop thread]
 */
TOOLORCH_API toolorch_job *toolorch_job_start(toolorch_ctx *ctx, const char *request_json, void *userdata,
                                              int *status);
/* Check a request as toolorch_job_start would (its keys, the provider, the
 * speculation model, the tools it names) without starting anything: OK, or
 * the status toolorch_job_start would return, the reason in
 * toolorch_last_error(ctx). [any thread] */
TOOLORCH_API int toolorch_job_check(toolorch_ctx *ctx, const char *request_json);
/* End the job: every call still running is cancelled, then JOB_DONE with
 * TOOLORCH_ECANCELLED. [any thread] On the loop thread those events (and
 * JOB_DONE) are delivered before it returns; in owned-loop mode from another
 * thread it waits for the loop, so the job's calls have ended on return; in
 * borrowed-loop mode from another thread it is posted to the host's loop. */
TOOLORCH_API int toolorch_job_cancel(toolorch_job *job);
/* Cancel the calls of the current round's group `group` (a branch). [any thread] */
TOOLORCH_API int toolorch_job_cancel_group(toolorch_job *job, const char *group);
/* Cancel one call of the job's current round by the id its events carry (the
 * model's id): it ends as cancelled, the model gets "Error: cancelled" for
 * it, and the job goes on. OK; ELATE if it had ended; EINVAL if the round has
 * no such call (never asked for, or of an earlier round). [any thread], as
 * toolorch_job_cancel. */
TOOLORCH_API int toolorch_job_cancel_call(toolorch_job *job, const char *call_id);
/* Cancel if still running, and release. No event of the job after this;
 * events already queued stay valid. May be called from the job's own event
 * callbacks, JOB_DONE included. [loop thread] */
TOOLORCH_API void toolorch_job_free(toolorch_job *job);

/*
 * A job with its own event queue: toolorch_job_start, except that every event
 * of the job -- the TOOL_CALL, TOOL_CANCELLED, CHAIN_ARGS and SCORE of its
 * calls included, so that whoever consumes the job also runs its external
 * tools -- goes to the job's own queue, read with toolorch_job_next_event,
 * and never to the context's callback or queue. Jobs started either way
 * run side by side on one context. [loop thread] (owned-loop mode marshals
 * it, as toolorch_job_start.)
 */
TOOLORCH_API toolorch_job *toolorch_job_start_queued(toolorch_ctx *ctx, const char *request_json, void *userdata,
                                                     int *status);
/*
 * The next event of a job started by toolorch_job_start_queued, waiting up
 * to timeout_ms (0 = don't wait, -1 = forever). Returns OK and *out (free it
 * with toolorch_event_free), EAGAIN when none came in time, ECLOSED once the
 * job's final event has been taken; EMODE for a job started by
 * toolorch_job_start, or when waiting (timeout_ms != 0) on the loop thread.
 * The close handshake: the job's events end with exactly one JOB_DONE --
 * its own end (OK, the failure, ECANCELLED after toolorch_job_cancel) or,
 * when toolorch_close / toolorch_free cut the run off, one of status
 * TOOLORCH_ECLOSED; the events queued and not yet taken are then dropped
 * (a JOB_DONE already queued stays, with every event before it). What the
 * end itself causes (the TOOL_CANCELLED of a score request it made
 * pointless) comes before it, never after. It wakes
 * every consumer waiting: one gets the JOB_DONE, the others and every call
 * after it ECLOSED. (In borrowed-loop mode a toolorch_close from another
 * thread takes effect when the host's loop runs.)
 * [any thread], several threads at once; never during or after
 * toolorch_job_free of that job (free it once the consumers have seen
 * JOB_DONE or ECLOSED).
 */
TOOLORCH_API int toolorch_job_next_event(toolorch_job *job, int timeout_ms, toolorch_event **out);

/* Event accessors for jobs [any thread]. */
TOOLORCH_API toolorch_job *toolorch_event_job(const toolorch_event *event);
/* ROUND_DONE, LLM_TOOL_CALL, CALL_RESULT of a job: the round (from 1). */
TOOLORCH_API int toolorch_event_round(const toolorch_event *event);
/* USAGE and JOB_DONE (totals): tokens. Input tokens are every input token
 * billed, prompt-cache reads and writes included (so they count fully
 * against token rate limits); the two accessors below give those parts apart
 * (Anthropic's cache_read_input_tokens / cache_creation_input_tokens,
 * OpenAI's prompt_tokens_details.cached_tokens; 0 when not reported). */
TOOLORCH_API int64_t toolorch_event_input_tokens(const toolorch_event *event);
TOOLORCH_API int64_t toolorch_event_output_tokens(const toolorch_event *event);
TOOLORCH_API int64_t toolorch_event_cache_read_tokens(const toolorch_event *event);
TOOLORCH_API int64_t toolorch_event_cache_write_tokens(const toolorch_event *event);

#ifdef __cplusplus
}
#endif

#endif /* TOOLORCH_JOB_H */

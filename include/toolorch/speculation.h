/* toolorch — speculative execution: tool calls started on a guess, before the
 * model asks for them. Part of the C ABI: see toolorch.h for the conventions.
 *
 * A job opts in with its request's "speculation" section (toolorch/job.h):
 *   "speculation": {"source": "model" | "predictor" | "history" | "off",
 *                   "confidence_threshold": 0.5, "max_speculative_calls": 20,
 *                   "timeout_ms": 2000, "model": {...an "llm" section...}}
 * At each LLM request of the job the source is asked for guesses (tool,
 * arguments, confidence). A guess at or over the threshold, for a tool
 * flagged TOOLORCH_TOOL_SIDE_EFFECT_FREE, with arguments valid for its schema,
 * within max_speculative_calls for the request, starts at once like a call.
 * When the model then asks for the same tool with arguments equal as
 * canonical JSON, the guess becomes that call (never a second execution): it
 * takes the real call's id in every event from then on and its result goes to
 * the model once. Guesses the response did not ask for are cancelled as soon
 * as the response has delivered all its calls (a finished one is discarded);
 * their results never reach the model. Guesses hold slots and rate-limit
 * permits like calls, but never make a real call wait: a real call is served
 * before any waiting guess, and cancels a running guess to take its slot when
 * none is free; a guess takes rate-limit permits only when they are free at
 * once. A source that fails in any way (slow, error, garbage, a predictor that
 * never answers) costs the job nothing but the guesses it did not get.
 */
#ifndef TOOLORCH_SPECULATION_H
#define TOOLORCH_SPECULATION_H

#include <toolorch/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* CALL_RESULT: whether the call came from a guess. */
typedef enum toolorch_speculation_kind {
  TOOLORCH_SPECULATION_NONE = 0,             /* started when the model asked */
  TOOLORCH_SPECULATION_TAKEN_OVER_RUNNING = 1,/* a guess was still running when the model asked */
  TOOLORCH_SPECULATION_TAKEN_OVER_FINISHED = 2/* a guess had already finished */
} toolorch_speculation_kind;

/* SPECULATION event: what became of one guess. */
typedef enum toolorch_speculation_outcome {
  TOOLORCH_SPECULATION_USED = 1,      /* the model asked for it: it became the real call */
  TOOLORCH_SPECULATION_CANCELLED = 2, /* not asked for (or its slot was needed): stopped */
  TOOLORCH_SPECULATION_WASTED = 3,    /* finished, never asked for: discarded */
  TOOLORCH_SPECULATION_DROPPED = 4    /* never started: toolorch_event_text() says why */
} toolorch_speculation_outcome;

/*
 * CALL_RESULT: a toolorch_speculation_kind. SPECULATION: a
 * toolorch_speculation_outcome; then toolorch_event_tool_name/_json give the
 * guess, toolorch_event_call_id the guess's id ("guess_N"; for USED the real
 * call's id), toolorch_event_run_us the tool time it spent (USED: the time it
 * saved), and for DROPPED toolorch_event_text() the reason: "side_effects",
 * "over_cap", "below_threshold", "unknown_tool", "invalid_arguments",
 * "rate_limited". Other events: 0. [any thread]
 */
TOOLORCH_API int toolorch_event_speculation(const toolorch_event *event);
/*
 * JOB_DONE: the job's speculation summary as JSON (borrowed for the event's
 * lifetime), "" when the job did not speculate:
 *   {"guesses": N, "hits": N, "cancelled": N, "wasted": N, "wasted_tool_ms": N,
 *    "saved_ms": N, "source_failures": N,
 *    "dropped": {"side_effects": N, "over_cap": N, "below_threshold": N,
 *                "unknown_tool": N, "invalid_arguments": N, "rate_limited": N}}
 * [any thread]
 */
TOOLORCH_API const char *toolorch_event_speculation_json(const toolorch_event *event);

/*
 * The "predictor" source: a host function asked for guesses at every LLM
 * request of a job whose speculation source is "predictor". It gets the
 * request ({"model", "system", "messages": [...], "tools": [{"name",
 * "description", "parameters"}], "round"}) and a prediction handle, and adds
 * guesses to it now or later, from any thread, then says it is done. Each
 * guess starts as soon as it is added. Guesses added after the response
 * delivered its calls, after timeout_ms, or after the job ended are ignored
 * (TOOLORCH_ELATE). A predictor that never calls toolorch_prediction_done
 * costs only its handle, which toolorch_free releases (then it is invalid).
 */
typedef struct toolorch_prediction toolorch_prediction;
typedef void (*toolorch_predictor_fn)(const char *request_json, toolorch_prediction *prediction, void *userdata);
/* fn == NULL removes it. Called on the loop thread; it may call anything but
 * toolorch_free (toolorch.h, "Callbacks and re-entrancy"). [any thread] */
TOOLORCH_API int toolorch_set_predictor(toolorch_ctx *ctx, toolorch_predictor_fn fn, void *userdata);
/* One guess: the tool, its arguments as JSON, a confidence in [0, 1].
 * OK, ELATE (no longer wanted), EINVAL, ESTATE after done. [any thread] */
TOOLORCH_API int toolorch_prediction_add(toolorch_prediction *prediction, const char *tool, const char *args_json,
                                         double confidence);
/* No more guesses; releases the handle. [any thread] */
TOOLORCH_API int toolorch_prediction_done(toolorch_prediction *prediction);

#ifdef __cplusplus
}
#endif

#endif /* TOOLORCH_SPECULATION_H */

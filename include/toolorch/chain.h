/* toolorch — tool chains: workflows of tool calls, registered as one tool.
 * Part of the C ABI: see toolorch.h for the conventions; docs/CHAINS.md
 * describes the JSON form and the reference syntax in full.
 *
 * A chain is a tool the model (or a batch) can call. Its steps are tool
 * calls, parallel groups and sequences, nested; a step's arguments may refer
 * to the chain's input and to earlier steps' results:
 *
 *   {"name": "research", "description": "...",
 *    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
 *    "policy": "fail_fast",
 *    "steps": [
 *      {"parallel": [
 *        {"name": "s1", "tool": "search", "args": {"q": "${input#/city} weather"}},
 *        {"name": "s2", "tool": "search", "args": {"q": "${input#/city} news"}}]},
 *      {"name": "combine", "tool": "combine", "args": {"a": "${s1}", "b": "${s2#/items/0}"}},
 *      {"name": "summary", "tool": "summarise", "args": {"text": "${combine}"}}]}
 *
 * "${input}" / "${input#/ptr}": the chain's arguments / a JSON Pointer into
 * them; "${step}": a step's whole result text; "${step#}" / "${step#/ptr}":
 * its result parsed as JSON / a pointer into it; "$${" is a literal "${". A
 * string that is one reference becomes the value; inside text it is
 * interpolated. A reference to a step that has not run yet at that point (or
 * to no step) is refused at registration, by name; a field missing at run
 * time fails the chain naming the step and the pointer.
 *
 * Each step runs as an ordinary call of its tool through the same
 * dispatcher (caps, rate limits, deadlines, retries); it appears as
 * CALL_STARTED / CALL_RESULT events whose toolorch_event_parent_call_id is
 * the chain's call. A chain call does not hold a slot of max_parallel_tools
 * itself (its steps do). Cancelling the chain's call (alone, by its group,
 * batch or job, or its deadline) cancels its running steps and starts no
 * more. A failing step fails the chain, its error naming the step and the
 * step's error. The chain's result is its last call step's result, or with
 * "result": "all" / ["a", "b"] an object of results by step name (a result
 * that is JSON is kept as JSON, else as a string). The chain is flagged
 * TOOLORCH_TOOL_SIDE_EFFECT_FREE when it says so ("side_effect_free": true)
 * or, unsaid, when every step's tool is registered and so flagged at
 * registration; a speculative chain call never starts a step whose tool is
 * not free of side effects.
 *
 * For logic the JSON form cannot say, a step's arguments may be computed:
 * by a callback on the loop thread (toolorch_chain_set_args_fn), or by the
 * host answering a TOOLORCH_EVENT_CHAIN_ARGS event from any thread
 * (toolorch_chain_set_args_external) -- the bindings' closures.
 */
#ifndef TOOLORCH_CHAIN_H
#define TOOLORCH_CHAIN_H

#include <toolorch/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct toolorch_chain toolorch_chain;           /* a chain being built */
typedef struct toolorch_chain_args toolorch_chain_args; /* where a callback puts a step's arguments */

/* What a step's failure does to the others. */
typedef enum toolorch_chain_policy {
  TOOLORCH_CHAIN_FAIL_FAST = 0, /* cancel the running steps at once */
  TOOLORCH_CHAIN_COLLECT = 1    /* let them finish; the error names every failed step */
} toolorch_chain_policy;

/*
 * Computed arguments of a step, for logic the JSON form cannot say. Called
 * on the loop thread when the step is about to run, with context_json =
 * {"input": <the chain's arguments>, "results": {"<step>": "<result text>", ...}}
 * (the steps that succeeded so far; borrowed until it returns). Set the
 * arguments with toolorch_chain_args_set (a JSON object) and return 0, or
 * return non-zero (with toolorch_chain_args_fail for a message): the step
 * fails, and the chain with it.
 */
typedef int (*toolorch_chain_args_fn)(const char *context_json, toolorch_chain_args *out, void *userdata);
/* [loop thread, inside the callback] */
TOOLORCH_API int toolorch_chain_args_set(toolorch_chain_args *out, const char *args_json);
TOOLORCH_API int toolorch_chain_args_fail(toolorch_chain_args *out, const char *message);

/*
 * Computed arguments answered by the host, from any thread (how the Go, Java
 * and Ruby bindings run closures: the library never calls into them). When
 * the step is about to run, the chain hands out a TOOLORCH_EVENT_CHAIN_ARGS
 * event (toolorch/event.h) and waits: toolorch_event_call is the request,
 * toolorch_event_json the context above, toolorch_event_tool_name the
 * chain's name, toolorch_event_text the step's name. The request is answered
 * exactly as an external tool's call (toolorch/call.h), once:
 * toolorch_call_complete(request, args_json) runs the step with those
 * arguments (a JSON object; else the step fails on its tool's schema);
 * toolorch_call_fail(request, message) fails the step, and the chain with it
 * ("chain \"c\": step \"s\" failed: <message>"). If the chain's call ends
 * first (cancelled, timed out, a sibling failed under fail_fast) the request
 * ends with it -- a TOOL_CANCELLED event names it -- and an answer afterwards
 * returns TOOLORCH_ELATE and is dropped. The request is valid until it is
 * answered, and no longer: unlike a tool's call (valid while its batch or
 * job lives) it may be freed as soon as the chain has taken the answer, so
 * answer it exactly once. One never answered stays valid, and is released
 * when the context is freed. Requests are not tool calls: no
 * CALL_STARTED / CALL_RESULT events, no slot of max_parallel_tools, not in
 * the call counters; the chain call's deadline covers the wait.
 *
 * step_name: the call step of that name anywhere in the chain (ECONFIG if
 * there is none), or NULL for the call step added last (ESTATE if none).
 * Replaces an arguments callback or template of that step; the last of
 * toolorch_chain_set_args_fn / _set_args_external wins.
 */
TOOLORCH_API int toolorch_chain_set_args_external(toolorch_chain *chain, const char *step_name);

/* Build a chain step by step. [any thread; one thread per chain object]
 * NULL if name is NULL or empty, or on ENOMEM. */
TOOLORCH_API toolorch_chain *toolorch_chain_new(const char *name);
/* A chain object from the JSON form, to build on (e.g. to make a step's
 * arguments external by name): the builder functions then add to its
 * top-level sequence. NULL (the detail in toolorch_last_error(NULL)) if the
 * text is not a chain's JSON form; references are checked at registration.
 * [any thread] */
TOOLORCH_API toolorch_chain *toolorch_chain_new_json(const char *chain_json);
/* Its name ("" for NULL), borrowed for the object's life. */
TOOLORCH_API const char *toolorch_chain_name(const toolorch_chain *chain);
TOOLORCH_API void toolorch_chain_free(toolorch_chain *chain);
TOOLORCH_API int toolorch_chain_set_description(toolorch_chain *chain, const char *description);
/* JSON Schema of the chain's arguments (default {"type":"object"}). */
TOOLORCH_API int toolorch_chain_set_schema(toolorch_chain *chain, const char *schema_json);
/* A toolorch_chain_policy. */
TOOLORCH_API int toolorch_chain_set_policy(toolorch_chain *chain, int policy);
/* The result: "\"last\"" (default), "\"all\"" or a JSON array of step names. */
TOOLORCH_API int toolorch_chain_set_result(toolorch_chain *chain, const char *result_json);
/* The chain call's own cap and deadline, as toolorch_tool_set_max_parallel / _set_timeout_ms. */
TOOLORCH_API int toolorch_chain_set_max_parallel(toolorch_chain *chain, int max_parallel);
TOOLORCH_API int toolorch_chain_set_timeout_ms(toolorch_chain *chain, int64_t timeout_ms);
/* 1: flag it SIDE_EFFECT_FREE; 0: never; -1 (default): computed at registration. */
TOOLORCH_API int toolorch_chain_set_side_effect_free(toolorch_chain *chain, int side_effect_free);
/*
 * Add a call step to the innermost open group (the chain itself is a
 * sequence). step_name may be NULL (the tool's name); args_json is the
 * argument template (may be NULL: {}), with references as above.
 */
TOOLORCH_API int toolorch_chain_add_call(toolorch_chain *chain, const char *step_name, const char *tool,
                                         const char *args_json);
/* Compute the arguments of the call step added last with fn instead of its template. */
TOOLORCH_API int toolorch_chain_set_args_fn(toolorch_chain *chain, toolorch_chain_args_fn fn, void *userdata);
/* Open a group inside the innermost open one; toolorch_chain_end closes it
 * (ESTATE if none is open; an empty group is refused at registration). */
TOOLORCH_API int toolorch_chain_begin_parallel(toolorch_chain *chain);
TOOLORCH_API int toolorch_chain_begin_sequential(toolorch_chain *chain);
TOOLORCH_API int toolorch_chain_end(toolorch_chain *chain);

/*
 * Register a chain (a copy: the object may be freed or built on). OK;
 * ESTATE while a group is open; ECONFIG for a bad chain (an unknown or
 * later step referred to, two steps of one name, a bad reference: the
 * detail names it); EEXIST for a name taken. [any thread]
 */
TOOLORCH_API int toolorch_register_chain(toolorch_ctx *ctx, const toolorch_chain *chain);
/* The same from the JSON form. The context option "chains" (an array of
 * these) registers chains when the context is made. [any thread] */
TOOLORCH_API int toolorch_register_chain_json(toolorch_ctx *ctx, const char *chain_json);

#ifdef __cplusplus
}
#endif

#endif /* TOOLORCH_CHAIN_H */

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

/* Build a chain step by step. [any thread; one thread per chain object]
 * NULL if name is NULL or empty, or on ENOMEM. */
TOOLORCH_API toolorch_chain *toolorch_chain_new(const char *name);
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

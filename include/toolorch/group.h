/* toolorch — branch groups: calls that answer the same question in
 * different ways (search arXiv, the web and Stack Overflow), with a policy
 * that cancels the branches that are no longer worth their cost.
 * Part of the C ABI: see toolorch.h for the conventions. */
#ifndef TOOLORCH_GROUP_H
#define TOOLORCH_GROUP_H

#include <toolorch/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct toolorch_group_policy toolorch_group_policy;

/*
 * Scores a successful result, higher is better. Runs on the loop thread,
 * must be quick. Without a scorer every success scores 1.0 (so "good
 * enough" is "the first success"). It runs while the result is recorded: it
 * may read the context (toolorch_stat, accessors), must not start or end
 * calls, and toolorch_free is refused in it.
 */
typedef double (*toolorch_score_fn)(const char *tool_name, const char *args_json, const char *result,
                                    void *userdata);

/* [any thread] */
TOOLORCH_API toolorch_group_policy *toolorch_group_policy_new(void);
TOOLORCH_API void toolorch_group_policy_free(toolorch_group_policy *policy);
/* Every branch still running after timeout_ms (from the group's first call)
 * ends as timed out. 0 = none. */
TOOLORCH_API int toolorch_group_policy_set_timeout_ms(toolorch_group_policy *policy, int64_t timeout_ms);
/* cancel_on_better_result: the first success that scores >= threshold
 * cancels every other branch of the group still running or waiting. */
TOOLORCH_API int toolorch_group_policy_set_cancel_on_score(toolorch_group_policy *policy, double threshold);
/* keep_top_n_branches: once n branches have succeeded, the rest are
 * cancelled; the model sees the results of those n, and for each cancelled
 * branch a short error result saying it was cancelled (a tool call always
 * gets an answer, as both protocols require). 0 = off. */
TOOLORCH_API int toolorch_group_policy_set_keep_top_n(toolorch_group_policy *policy, int n);
/* What one failing branch does to its siblings. */
#define TOOLORCH_ON_FAILURE_ISOLATE 0         /* default: the error is that branch's result */
#define TOOLORCH_ON_FAILURE_CANCEL_SIBLINGS 1 /* a FATAL failure cancels the rest of the group */
TOOLORCH_API int toolorch_group_policy_set_on_failure(toolorch_group_policy *policy, int on_failure);
TOOLORCH_API int toolorch_group_policy_set_scorer(toolorch_group_policy *policy, toolorch_score_fn fn,
                                                  void *userdata);
/* The same from JSON: {"timeout_ms": 5000, "cancel_on_better_result": {"threshold": 0.8},
 * "keep_top_n_branches": 2, "on_failure": "isolate" | "cancel_siblings",
 * "scorer": "external"}; unknown keys rejected. ("scorer": "external" is
 * toolorch_group_policy_set_scorer_external; a job's "groups" entries take it too.) */
TOOLORCH_API int toolorch_group_policy_from_json(toolorch_group_policy *policy, const char *json);

/* The context's scorer, used by groups without their own (jobs' groups come
 * from JSON and use this one). [loop thread] */
TOOLORCH_API int toolorch_set_scorer(toolorch_ctx *ctx, toolorch_score_fn fn, void *userdata);

/* Batches: declare a group (before submit), add calls to it, cancel it. */
TOOLORCH_API int toolorch_batch_add_group(toolorch_batch *batch, const char *group,
                                          const toolorch_group_policy *policy);
TOOLORCH_API int toolorch_batch_add_in_group(toolorch_batch *batch, const char *group, const char *tool_name,
                                             const char *args_json, const char *call_id);
/* Cancel every call of the group that has not ended. [any thread] */
TOOLORCH_API int toolorch_batch_cancel_group(toolorch_batch *batch, const char *group);

/*
 * Scores from the host, on any thread, instead of a function on the loop
 * thread (for hosts whose code must not run there: Go, Java, Ruby, or a
 * scorer that is slow or asks a model). A success of the group that could
 * still decide it -- the policy cancels on a score, no branch has decided it
 * yet, and a sibling is still running or waiting -- is handed to the host as
 * a TOOLORCH_EVENT_SCORE event (after its CALL_RESULT) whose event_call is a
 * request, answered as an external tool's call: toolorch_call_complete with
 * the score as a JSON number, e.g. "0.85" (OK; ELATE if the score is no
 * longer wanted), or toolorch_call_fail to give none. Answer once: the
 * request is valid until it is answered, and no longer. The group
 * decides when the score arrives: a score >= the threshold cancels the
 * branches still running. A request whose score can no longer matter (the
 * group decided, every branch ended, the batch or job went) ends with a
 * TOOL_CANCELLED event for it (when the last branch ended, after the
 * batch's BATCH_DONE: keep answering TOOL_CANCELLED by the call handle, not
 * by the batch); an answer that is not a finite number counts
 * as none. Successes the host was not asked about keep the score 0.
 * _external replaces the policy's scorer function and the function replaces
 * _external (toolorch_group_policy_set_scorer(policy, NULL, NULL) clears
 * both). [any thread]
 */
TOOLORCH_API int toolorch_group_policy_set_scorer_external(toolorch_group_policy *policy);
/* The context's scorer (groups without their own, a job's groups) is the
 * host, as above; toolorch_set_scorer replaces it. [any thread] */
TOOLORCH_API int toolorch_set_scorer_external(toolorch_ctx *ctx);

#ifdef __cplusplus
}
#endif

#endif /* TOOLORCH_GROUP_H */

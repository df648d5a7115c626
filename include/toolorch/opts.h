/* toolorch — options: typed setters and one JSON form. Part of the C ABI: see toolorch.h for the conventions. */
#ifndef TOOLORCH_OPTS_H
#define TOOLORCH_OPTS_H

#include <toolorch/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* [any thread] A fresh option set with the defaults. NULL only on ENOMEM. */
TOOLORCH_API toolorch_opts *toolorch_opts_new(void);
TOOLORCH_API void toolorch_opts_free(toolorch_opts *opts);

/*
 * Typed setters by key. Keys (defaults in brackets):
 *   max_parallel_tools      int   [64]     calls running at once, all tools
 *   tool_timeout_ms         int   [30000]  default deadline of a call, from submit
 *   worker_threads          int   [4]      pool for tools flagged BLOCKING
 *   max_args_bytes          int   [1 MiB]  largest accepted arguments document
 *   max_result_bytes        int   [16 MiB] largest tool result kept; past it
 *                                          max_result_policy decides
 *   max_result_policy       string ["fail"] "fail": the call fails with
 *                                 TOOLORCH_ETOOBIG and a message giving the
 *                                 size and the cap; "truncate": the call
 *                                 succeeds with its first bytes and a marker
 *                                 "\n[toolorch: result truncated at
 *                                 max_result_bytes (N): the first K bytes of
 *                                 T bytes kept]" (T is "more than N" when an
 *                                 HTTP or command tool stopped reading at the
 *                                 cap; the command is then killed), the
 *                                 marker within the cap. Counted in the
 *                                 stats "results_truncated"/"results_too_big".
 *   max_result_bytes_to_model int [0]    0: the model gets what the host gets;
 *                                 else a job's tool message (result or error)
 *                                 past it is cut to its first bytes and a note
 *                                 saying how many of how many bytes it sees and
 *                                 that the application has the whole result
 *                                 (the note within the cap when the cap leaves
 *                                 room). CALL_RESULT always has the whole result.
 *   compress_results        bool  [false]  hold results of at least
 *                                 compress_threshold_bytes [4096] compressed
 *                                 in memory (zstd level 1; kept raw if it
 *                                 saves less than 1/8)
 *   max_memory_bytes        int   [0]      budget of the result store: results
 *                                 held by calls, jobs' transcripts and queued
 *                                 events. 0: none. Above 7/8 of it the oldest
 *                                 results spill to files until 3/4 is left.
 *   spill_dir               string [""]   absolute directory for spill files
 *                                 ("": $TMPDIR, else /tmp); see "The result
 *                                 store" in toolorch/ctx.h.
 *   max_json_depth          int   [64]     deepest accepted JSON nesting
 *   emit_call_started       bool  [false]  also emit CALL_STARTED events
 *   emit_progress_events    bool  [false]  also emit LLM_REQUEST, LLM_RESPONSE, LLM_RETRY
 *                                          and RATE_LIMIT_WAIT events (toolorch/event.h)
 * Sections, reached with dotted keys ("llm.model") or nested JSON objects:
 *   llm          the jobs' provider: protocol ("openai", "openai-responses",
 *                "anthropic", "gemini"), base_url, api_key / api_key_env,
 *                anthropic_version, headers, connect_timeout_ms,
 *                max_tokens_field, max_response_bytes [32 MiB: the cap on
 *                one response -- a non-streamed body, a stream's text and
 *                each call's arguments; past it the attempt fails with
 *                TOOLORCH_ETOOBIG, not retried], responses_state
 *                ("stateless" | "previous_response_id"),
 *                responses_encrypted_reasoning, model (the jobs' default),
 *                service (its rate-limit service) -- see toolorch/job.h
 *   rate_limits  see toolorch/limits.h and lib/limits/README.md
 * Every key is also accepted by toolorch_opts_from_json.
 * An unknown key or a wrong type returns TOOLORCH_ECONFIG and names the key in
 * toolorch_opts_last_error().  [any thread, one thread per opts at a time]
 */
TOOLORCH_API int toolorch_opts_set_int(toolorch_opts *opts, const char *key, int64_t value);
TOOLORCH_API int toolorch_opts_set_double(toolorch_opts *opts, const char *key, double value);
TOOLORCH_API int toolorch_opts_set_bool(toolorch_opts *opts, const char *key, int value);
TOOLORCH_API int toolorch_opts_set_string(toolorch_opts *opts, const char *key, const char *value);

/*
 * Merge one JSON object into opts, e.g. {"max_parallel_tools": 100,
 * "tool_timeout_ms": 5000}. Nested objects set dotted keys. Unknown keys are
 * rejected by name; on error nothing is changed.
 */
TOOLORCH_API int toolorch_opts_from_json(toolorch_opts *opts, const char *json);

/* The detail of the last failed call on this opts; "" if none. Borrowed. */
TOOLORCH_API const char *toolorch_opts_last_error(const toolorch_opts *opts);

#ifdef __cplusplus
}
#endif

#endif /* TOOLORCH_OPTS_H */

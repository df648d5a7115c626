/* toolorch — tool definitions and registration. Part of the C ABI: see toolorch.h for the conventions. */
#ifndef TOOLORCH_TOOL_H
#define TOOLORCH_TOOL_H

#include <toolorch/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Tool flags, OR-ed together. */
#define TOOLORCH_TOOL_SIDE_EFFECT_FREE 0x1u /* may be called speculatively/eagerly */
#define TOOLORCH_TOOL_BLOCKING 0x2u         /* its callback blocks: run on the worker pool */
#define TOOLORCH_TOOL_RETRYABLE 0x4u        /* failures may be retried */

/*
 * The function that runs a tool. args_json is borrowed until it returns; call
 * is valid until the tool completes it with toolorch_call_complete() or
 * toolorch_call_fail() -- now, or later from any thread -- and afterwards
 * while the call's batch or job is alive.
 * Non-blocking tools run on the loop thread and must return quickly; tools
 * flagged BLOCKING run on the worker pool. It may call anything but
 * toolorch_free, including cancelling its own call, batch or job (the call
 * ends cancelled; completing it then returns ELATE). See toolorch.h,
 * "Callbacks and re-entrancy".
 */
typedef void (*toolorch_tool_fn)(toolorch_call *call, const char *args_json, void *userdata);

/* [any thread] NULL if name is NULL/empty or on ENOMEM. */
TOOLORCH_API toolorch_tool *toolorch_tool_new(const char *name);
TOOLORCH_API void toolorch_tool_free(toolorch_tool *tool);
TOOLORCH_API int toolorch_tool_set_description(toolorch_tool *tool, const char *description);
/* JSON Schema of the arguments (an object schema). Checked at registration;
 * calls are validated against "required", "type", "properties", "items" and
 * "enum" before the tool runs. */
TOOLORCH_API int toolorch_tool_set_schema(toolorch_tool *tool, const char *schema_json);
TOOLORCH_API int toolorch_tool_set_flags(toolorch_tool *tool, unsigned flags);
/* The service whose rate limits this tool's calls consume ("" = none). */
TOOLORCH_API int toolorch_tool_set_service(toolorch_tool *tool, const char *service);
/* This tool's own cap on calls running at once; 0 = only the global cap. */
TOOLORCH_API int toolorch_tool_set_max_parallel(toolorch_tool *tool, int max_parallel);
/* This tool's deadline per call; 0 = the context's tool_timeout_ms. */
TOOLORCH_API int toolorch_tool_set_timeout_ms(toolorch_tool *tool, int64_t timeout_ms);
/*
 * The function that runs the tool. With fn == NULL the tool is external: each
 * call to it is delivered as a TOOLORCH_EVENT_TOOL_CALL event instead, and the
 * receiver completes it (this is how the Go, Java and Ruby bindings run tools).
 */
TOOLORCH_API int toolorch_tool_set_fn(toolorch_tool *tool, toolorch_tool_fn fn, void *userdata);

/*
 * Make the tool an HTTP endpoint that the library calls itself, on its loop
 * (libcurl): each call POSTs its arguments (JSON, "Content-Type:
 * application/json" unless a header of the tool says otherwise) to url; a
 * 2xx response's body is the result; any other status fails the call with
 * "HTTP <code>: <first 500 bytes of the body>" (429 and 5xx count as
 * retryable failures, see toolorch_tool_set_retry; their Retry-After is
 * honoured: no retry before it, and none at all when it is over 60 s or past
 * the call's deadline -- the call then ends at once), and so does a transport
 * error ("HTTP transfer failed: ..."); a body past max_result_bytes fails
 * it too. A call that is cancelled or times out has its transfer removed at
 * once: the connection closes and the server sees it.
 * url must start with http:// or https:// (EINVAL otherwise). A tool made
 * an HTTP endpoint or a command ignores toolorch_tool_set_fn; the last of
 * set_http / set_command wins. These functions leave the detail of a
 * failure in toolorch_last_error(NULL). [any thread, one thread per tool]
 */
TOOLORCH_API int toolorch_tool_set_http(toolorch_tool *tool, const char *url);
/* One more request header for an HTTP tool, "Name: value" (never logged;
 * EINVAL without a colon, with a space in the name, or with CR/LF). */
TOOLORCH_API int toolorch_tool_add_http_header(toolorch_tool *tool, const char *header);
/*
 * Make the tool a command that the library runs itself: argv_json is a JSON
 * array of strings, ["program", "arg", ...], executed directly (never through
 * a shell; the program is looked up in PATH), in a process group of its own.
 * The call's arguments (JSON) go to its stdin; its stdout is the result (past
 * max_result_bytes the call fails and the process is killed); exit 0 is a
 * success; a non-zero exit or a signal fails the call with "command exited
 * with status N: <the last 2 KiB of its stderr>". A program that cannot be
 * started fails the call ("no such program \"x\""). Its process group is
 * killed (SIGKILL) when the call is cancelled or times out, even when the
 * program itself has already exited and only what it started in the
 * background remains (a grandchild holding stdout open); every process is
 * reaped without blocking the loop.
 * EJSON if argv_json is not JSON, EINVAL if it is not a non-empty array of
 * strings (the detail in toolorch_last_error(NULL)).
 */
TOOLORCH_API int toolorch_tool_set_command(toolorch_tool *tool, const char *argv_json);

/* Retry policy of a tool: up to retry_attempts more attempts after the
 * first, waiting base_ms, growing per `backoff`, capped at max_ms, with full
 * jitter (a uniform draw in [0, delay]). Every attempt counts against the
 * call's own deadline (tool timeout) and its job's total timeout: no retry
 * starts that could not begin before them. The attempts made are reported
 * with the result (toolorch_event_attempts). */
typedef enum toolorch_backoff {
  TOOLORCH_BACKOFF_EXPONENTIAL = 0,
  TOOLORCH_BACKOFF_LINEAR = 1,
  TOOLORCH_BACKOFF_FIXED = 2
} toolorch_backoff;
TOOLORCH_API int toolorch_tool_set_retry(toolorch_tool *tool, int retry_attempts, int backoff, int64_t base_ms,
                                         int64_t max_ms);

/* Register a copy of tool on ctx. EEXIST if the name is taken, ESCHEMA if the
 * schema is not an object schema. [any thread] */
TOOLORCH_API int toolorch_register_tool(toolorch_ctx *ctx, const toolorch_tool *tool);

#ifdef __cplusplus
}
#endif

#endif /* TOOLORCH_TOOL_H */

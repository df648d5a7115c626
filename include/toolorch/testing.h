/*
 * toolorch — the test kit: a scripted LLM server and one-line expectations,
 * for testing an agent built on toolorch (docs/TESTING.md).
 *
 * Not part of libtoolorch: link libtoolorch_testing (pkg-config
 * toolorch-testing, CMake toolorch::testing) into test programs only, so
 * production binaries never carry it. It follows the C ABI's conventions
 * (toolorch.h): opaque handles, int status codes, copied inputs.
 *
 * Two parts:
 *  - the server: the project's scripted LLM server (OpenAI Chat Completions
 *    and Responses, Anthropic Messages, Gemini; streamed or not), started in
 *    the test's process on a loopback port, playing a JSON script of rounds
 *    (calls, text, latencies, faults: the format is docs/TESTING.md's
 *    "Scripts"), and telling what it saw;
 *  - the recorder and the expectations: feed the job's (or batch's) events
 *    to a recorder, then state what must have happened in one line each.
 *
 * Expectations return 0 when they hold and -1 otherwise (also for a bad
 * argument), with the reason in msg (always NUL-terminated when msg_size >
 * 0; msg may be NULL). The toolorch_assert_* macros at the end call
 * cmocka's fail_msg (or your TOOLORCH_TESTING_FAIL) with that reason.
 */
#ifndef TOOLORCH_TESTING_H
#define TOOLORCH_TESTING_H

#include <toolorch/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the scripted LLM server ------------------------------------------- */

typedef struct toolorch_testing_server toolorch_testing_server;

/*
 * Start the scripted server on 127.0.0.1:port (0: a free port) playing
 * script_json (NULL: one round of plain text, "Hello from toolorch-mockllm. ...").
 * Returns OK and *out, or ECONFIG for a bad script (err names the field, as
 * "rounds[0].tool_calls[1].name: must be a non-empty string"), EIO when the
 * port cannot be bound, EINVAL, ENOMEM. err (may be NULL) gets the detail.
 * It serves from a thread of its own until toolorch_testing_server_stop.
 * [any thread]
 */
TOOLORCH_API int toolorch_testing_server_start(const char *script_json, int port, toolorch_testing_server **out,
                                               char *err, size_t err_size);
/* Same, with the script read from a file (EIO if it cannot be read). */
TOOLORCH_API int toolorch_testing_server_start_file(const char *path, int port, toolorch_testing_server **out,
                                                    char *err, size_t err_size);
/* Stop it (answers under way end, connections close) and free it. NULL is
 * fine. [any thread, not concurrently with other calls on it] */
TOOLORCH_API void toolorch_testing_server_stop(toolorch_testing_server *server);

/*
 * The base URL to give the context's llm.base_url for protocol ("openai",
 * "openai-responses", "anthropic", "gemini"; NULL: any), e.g.
 * "http://127.0.0.1:41234". Today every protocol is served from the same
 * base URL. NULL for an unknown protocol or a NULL server. Borrowed for the
 * server's lifetime. [any thread]
 */
TOOLORCH_API const char *toolorch_testing_server_url(const toolorch_testing_server *server, const char *protocol);
/* The port it listens on, or EINVAL. [any thread] */
TOOLORCH_API int toolorch_testing_server_port(const toolorch_testing_server *server);

/*
 * What the server saw, as JSON:
 *   {"stats": {"requests": {"total": N, "openai": N, ...}, "tool_calls_issued": N,
 *              "tool_results_seen": N, "unknown_result_ids": N,
 *              "duplicate_results": N, "missing_results": N, ...},
 *    "requests": [{"protocol", "model", "stream", "bad", "round", "faults": [...],
 *                  "results": N, "calls": N}],            -- in arrival order
 *    "calls":    [{"id", "name", "arguments" (the exact text sent), "round",
 *                  "request" (index into requests)}],      -- tool calls issued
 *    "results":  [{"call_id", "content", "is_error", "known", "request"}],
 *                                                           -- results answered
 *    "unknown_result_ids": [...],   -- results answering no id it issued
 *    "duplicate_result_ids": [...], -- a second result for one call in a turn
 *    "missing_result_ids": [...],   -- calls of the last turn left unanswered
 *    "truncated": false}            -- true past 10,000 items in a list
 * Results are read from each request's last turn, so a retried request is
 * counted again. Borrowed until the next call of this function on this
 * server or its stop; NULL only for a NULL server. [one thread at a time]
 */
TOOLORCH_API const char *toolorch_testing_server_seen(toolorch_testing_server *server);
/* One counter of "stats" by name ("tool_results_seen", "requests.total",
 * "round_requests.1", "faults_injected.http_429"); -1 if there is no such
 * counter. [any thread] */
TOOLORCH_API int64_t toolorch_testing_server_stat(const toolorch_testing_server *server, const char *key);
/* Play another script from now on (its faults armed afresh): OK, or
 * ECONFIG with err. [any thread] */
TOOLORCH_API int toolorch_testing_server_set_script(toolorch_testing_server *server, const char *script_json,
                                                    char *err, size_t err_size);
/* Zero the counters, forget what was seen and re-arm the faults. [any thread] */
TOOLORCH_API int toolorch_testing_server_reset(toolorch_testing_server *server);

/* ---- the recorder ------------------------------------------------------ */

typedef struct toolorch_testing_recorder toolorch_testing_recorder;

/* A recorder of events; NULL only on ENOMEM. [any thread] */
TOOLORCH_API toolorch_testing_recorder *toolorch_testing_recorder_new(void);
TOOLORCH_API void toolorch_testing_recorder_free(toolorch_testing_recorder *rec);
/* Forget every event recorded. [any thread] */
TOOLORCH_API void toolorch_testing_recorder_clear(toolorch_testing_recorder *rec);

/*
 * Record one event (what the expectations need is copied: the event stays
 * the caller's). Call it for every event, in the order they come: from your
 * event callback, or for each event toolorch_next_event hands out.
 * [any thread; the recorder has a lock]
 */
TOOLORCH_API int toolorch_testing_record(toolorch_testing_recorder *rec, const toolorch_event *event);
/* The same from an event's fields (for bindings that copy events before
 * handing them on): type (toolorch_event_type), strings may be NULL. */
TOOLORCH_API int toolorch_testing_record_fields(toolorch_testing_recorder *rec, int type, const char *call_id,
                                                const char *tool_name, const char *json, const char *text,
                                                int call_state, int status);
/*
 * A toolorch_event_fn that records: when the test has no callback of its
 * own, toolorch_set_event_fn(ctx, toolorch_testing_recorder_event_fn, rec)
 * records every event; then wait for the end with
 * toolorch_testing_recorder_wait.
 */
TOOLORCH_API void toolorch_testing_recorder_event_fn(const toolorch_event *event, void *userdata);
/* Wait until `count` events of `type` (e.g. TOOLORCH_EVENT_JOB_DONE, 1) are
 * recorded: OK, or ETIMEDOUT after timeout_ms (-1: forever). Needs the
 * events to be recorded by another thread (the owned loop's callback).
 * [any thread] */
TOOLORCH_API int toolorch_testing_recorder_wait(toolorch_testing_recorder *rec, int type, int count, int timeout_ms);
/* How many events of `type` were recorded (TOOLORCH_EVENT_NONE: all). */
TOOLORCH_API int toolorch_testing_recorder_count(toolorch_testing_recorder *rec, int type);
/* The most calls that were running at once, from CALL_STARTED (or TOOL_CALL)
 * to CALL_RESULT (or TOOL_CANCELLED); -1 if no call start was recorded. */
TOOLORCH_API int toolorch_testing_recorder_max_running(toolorch_testing_recorder *rec);
/* The events recorded, as a JSON array of {"seq", "type" (its name),
 * "call_id", "tool", "json", "text", "call_state", "status"}: to print when
 * a test fails. Borrowed until the next call of this function on rec.
 * [one thread at a time] */
TOOLORCH_API const char *toolorch_testing_recorder_json(toolorch_testing_recorder *rec);

/* ---- expectations: 0 = holds, -1 = does not (msg says why) -------------- */

/*
 * These calls were made, in any order: calls_json is an array of
 * {"tool": "name", "arguments": {...}} ("arguments" absent: any arguments).
 * Arguments are compared as JSON values (key order and spacing do not
 * matter). Each expected call needs a call of its own. With
 * TOOLORCH_TESTING_ONLY, no other call was made either.
 * A call's arguments are read from its LLM_TOOL_CALL (jobs), TOOL_CALL
 * (external tools) or CALL_STARTED event (the option emit_call_started).
 */
#define TOOLORCH_TESTING_ONLY 0x1
TOOLORCH_API int toolorch_testing_expect_calls(toolorch_testing_recorder *rec, const char *calls_json, int flags,
                                               char *msg, size_t msg_size);
/* The calls to `tool` (NULL: every call; at least two) ran in parallel:
 * all of them started before any of them ended. Needs CALL_STARTED events
 * (emit_call_started: true) or TOOL_CALL events (external tools). */
TOOLORCH_API int toolorch_testing_expect_parallel(toolorch_testing_recorder *rec, const char *tool, char *msg,
                                                  size_t msg_size);
/* At most n calls ran at once (as toolorch_testing_recorder_max_running). */
TOOLORCH_API int toolorch_testing_expect_max_running(toolorch_testing_recorder *rec, int n, char *msg,
                                                     size_t msg_size);
/* A call whose tool or id is tool_or_id (NULL: any call) ended cancelled
 * (CALL_RESULT with TOOLORCH_CALL_CANCELLED, or TOOL_CANCELLED). */
TOOLORCH_API int toolorch_testing_expect_cancelled(toolorch_testing_recorder *rec, const char *tool_or_id,
                                                   char *msg, size_t msg_size);
/* The job ended (its JOB_DONE; the last one if several were recorded) with
 * TOOLORCH_OK and exactly this answer. */
TOOLORCH_API int toolorch_testing_expect_answer(toolorch_testing_recorder *rec, const char *answer, char *msg,
                                                size_t msg_size);
/* No call's result was delivered twice: at most one CALL_RESULT per call
 * id, and, with a server (may be NULL), no request carried two results for
 * one call. */
TOOLORCH_API int toolorch_testing_expect_no_duplicate_results(toolorch_testing_recorder *rec,
                                                              toolorch_testing_server *server, char *msg,
                                                              size_t msg_size);
/* The server's side: every result the model got answers a call it issued,
 * none twice, none missing (stats unknown_result_ids, duplicate_results,
 * missing_results all 0). */
TOOLORCH_API int toolorch_testing_expect_results_matched(toolorch_testing_server *server, char *msg,
                                                         size_t msg_size);

/* ---- one-line assertions -------------------------------------------------
 * Each runs its expectation and, when it does not hold, calls
 * TOOLORCH_TESTING_FAIL(message): by default cmocka's fail_msg (include
 * <cmocka.h> before using them), which reports the test's file and line.
 * Define TOOLORCH_TESTING_FAIL before including this header to use another
 * framework's failure. */
#ifndef TOOLORCH_TESTING_FAIL
#define TOOLORCH_TESTING_FAIL(message) fail_msg("%s", (message))
#endif
#define TOOLORCH_TESTING_ASSERT_(expectation_call, msgbuf)                         \
  do {                                                                             \
    char msgbuf[2048];                                                             \
    if ((expectation_call) != 0) TOOLORCH_TESTING_FAIL(msgbuf);                    \
  } while (0)
#define toolorch_assert_calls(rec, calls_json) \
  TOOLORCH_TESTING_ASSERT_(toolorch_testing_expect_calls((rec), (calls_json), 0, tt_msg_, sizeof tt_msg_), tt_msg_)
#define toolorch_assert_only_calls(rec, calls_json)                                                          \
  TOOLORCH_TESTING_ASSERT_(                                                                                \
      toolorch_testing_expect_calls((rec), (calls_json), TOOLORCH_TESTING_ONLY, tt_msg_, sizeof tt_msg_), \
      tt_msg_)
#define toolorch_assert_parallel(rec, tool) \
  TOOLORCH_TESTING_ASSERT_(toolorch_testing_expect_parallel((rec), (tool), tt_msg_, sizeof tt_msg_), tt_msg_)
#define toolorch_assert_max_running(rec, n) \
  TOOLORCH_TESTING_ASSERT_(toolorch_testing_expect_max_running((rec), (n), tt_msg_, sizeof tt_msg_), tt_msg_)
#define toolorch_assert_cancelled(rec, tool_or_id) \
  TOOLORCH_TESTING_ASSERT_(toolorch_testing_expect_cancelled((rec), (tool_or_id), tt_msg_, sizeof tt_msg_), tt_msg_)
#define toolorch_assert_answer(rec, answer) \
  TOOLORCH_TESTING_ASSERT_(toolorch_testing_expect_answer((rec), (answer), tt_msg_, sizeof tt_msg_), tt_msg_)
#define toolorch_assert_no_duplicate_results(rec, server)                                                   \
  TOOLORCH_TESTING_ASSERT_(toolorch_testing_expect_no_duplicate_results((rec), (server), tt_msg_, sizeof tt_msg_), \
                           tt_msg_)
#define toolorch_assert_results_matched(server) \
  TOOLORCH_TESTING_ASSERT_(toolorch_testing_expect_results_matched((server), tt_msg_, sizeof tt_msg_), tt_msg_)

#ifdef __cplusplus
}
#endif

#endif /* TOOLORCH_TESTING_H */

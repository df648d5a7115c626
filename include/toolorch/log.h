/* toolorch — the log callback. Nothing is printed unless you set one.
 * A line has a level, a message and key/value fields (e.g. "tool", "call_id",
 * "status"). No API key or Authorization / x-api-key header value is ever
 * part of a message or a field.
 * Part of the C ABI: see toolorch.h for the conventions. */
#ifndef TOOLORCH_LOG_H
#define TOOLORCH_LOG_H

#include <toolorch/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Append-only. */
typedef enum toolorch_log_level {
  TOOLORCH_LOG_DEBUG = 0,
  TOOLORCH_LOG_INFO = 1,
  TOOLORCH_LOG_WARN = 2,
  TOOLORCH_LOG_ERROR = 3
} toolorch_log_level;

/* keys[i] / values[i], i < n_fields: borrowed for the duration of the call.
 * Runs on the thread that logs (usually the library's loop thread): keep it
 * short and do not call back into ctx from it (functions that take no
 * handle, such as toolorch_strerror and toolorch_log_level_name, are fine). */
typedef void (*toolorch_log_fn)(int level, const char *message, const char *const *keys,
                                const char *const *values, size_t n_fields, void *userdata);

/* Set (or, with fn NULL, remove) the log callback; lines below min_level are
 * not produced at all. [any thread] */
TOOLORCH_API int toolorch_set_log_fn(toolorch_ctx *ctx, toolorch_log_fn fn, void *userdata, int min_level);

/* "debug", "info", "warn", "error"; "?" for anything else. [any thread] */
TOOLORCH_API const char *toolorch_log_level_name(int level);

#ifdef __cplusplus
}
#endif

#endif /* TOOLORCH_LOG_H */

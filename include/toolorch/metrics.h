/* toolorch — metrics in the Prometheus text format, the library's and your own.
 *
 * Every context keeps a registry (turn it off with the option
 * "observability.metrics": false). Built-in families (toolorch_tools_total,
 * toolorch_tool_duration_seconds, toolorch_duration_seconds{operation}, ...)
 * are listed in docs/OBSERVABILITY.md. Two ways out:
 *   - toolorch_metrics_text(): the exposition text, for a host that already
 *     serves /metrics;
 *   - option "observability.metrics_listen": "127.0.0.1:9464" makes the
 *     library serve GET /metrics itself, on its loop (loopback unless you
 *     name another address).
 * Label values are escaped as the format requires and their set is bounded:
 * tool names are the registered ones; a family holds at most 1000 series,
 * past that values fold into "other".
 * Part of the C ABI: see toolorch.h for the conventions. */
#ifndef TOOLORCH_METRICS_H
#define TOOLORCH_METRICS_H

#include <toolorch/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Append-only. */
typedef enum toolorch_metric_kind {
  TOOLORCH_METRIC_COUNTER = 0,   /* only goes up: toolorch_metric_add */
  TOOLORCH_METRIC_GAUGE = 1,     /* toolorch_metric_set / _add */
  TOOLORCH_METRIC_HISTOGRAM = 2  /* toolorch_metric_observe */
} toolorch_metric_kind;

/*
 * The exposition text (Prometheus text format 0.0.4) of every metric of the
 * context, as a NUL-terminated string the caller frees with free(). NULL on
 * failure (toolorch_last_error says why; ESTATE when metrics are off).
 * Rendering reads counters; it never waits for a call. [loop thread]
 */
TOOLORCH_API char *toolorch_metrics_text(toolorch_ctx *ctx);

/* The port the built-in /metrics endpoint listens on (useful with port 0),
 * or -1 when it is not serving. [any thread] */
TOOLORCH_API int toolorch_metrics_port(const toolorch_ctx *ctx);

/*
 * Define a metric of your own (the track_metric of other runtimes).
 * name: [a-zA-Z_:][a-zA-Z0-9_:]*; help: any text; label_names: a JSON array
 * of label names ("[\"method\",\"code\"]") or NULL for none; buckets: for a
 * histogram, a JSON array of ascending upper bounds or NULL for the default
 * duration buckets (seconds, 0.001 .. 120); ignored otherwise.
 * Defining the same name again with the same kind and labels is OK; with
 * another, EEXIST. EINVAL for a bad name, label or bucket list. [any thread]
 */
TOOLORCH_API int toolorch_metric_define(toolorch_ctx *ctx, int kind, const char *name, const char *help,
                                        const char *label_names, const char *buckets);

/*
 * Update a metric defined with toolorch_metric_define (or, for reading
 * only, none of the built-ins: those are the library's). label_values: a
 * JSON array of strings, one per label name, or NULL when it has none.
 * add: counters (value >= 0) and gauges; set: gauges; observe: histograms.
 * An undefined name or a library metric: EINVAL; the wrong kind: ESTATE.
 * [any thread]
 */
TOOLORCH_API int toolorch_metric_add(toolorch_ctx *ctx, const char *name, const char *label_values, double value);
TOOLORCH_API int toolorch_metric_set(toolorch_ctx *ctx, const char *name, const char *label_values, double value);
TOOLORCH_API int toolorch_metric_observe(toolorch_ctx *ctx, const char *name, const char *label_values,
                                         double value);

#ifdef __cplusplus
}
#endif

#endif /* TOOLORCH_METRICS_H */

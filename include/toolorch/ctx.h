/* toolorch — the context (orchestrator) in owned-loop mode, and its counters. Part of the C ABI: see toolorch.h for the conventions. */
#ifndef TOOLORCH_CTX_H
#define TOOLORCH_CTX_H

#include <toolorch/status.h>
#include <toolorch/opts.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Owned-loop mode: the library runs its own libevent loop on a thread of its
 * own. Everything the caller must see arrives as a toolorch_event through
 * toolorch_next_event() (or through an event callback, which then runs on the
 * library's thread). opts may be NULL (defaults) and is copied.
 * On failure returns NULL and stores the status in *status (if non-NULL).
 * [any thread]
 */
TOOLORCH_API toolorch_ctx *toolorch_new(const toolorch_opts *opts, int *status);

/*
 * Begin shutting down without freeing: every call still running or waiting is
 * cancelled (those events are discarded), threads blocked in
 * toolorch_next_event() return TOOLORCH_ECLOSED, and new work is refused.
 * Use it to wake consumer threads before toolorch_free(). Idempotent.
 * [any thread]
 */
TOOLORCH_API int toolorch_close(toolorch_ctx *ctx);

/*
 * Stop the loop (owned mode), cancel everything still running (each call ends
 * as cancelled, and those events are discarded), join the worker pool, free
 * everything. Handles obtained from ctx are invalid afterwards.
 * From inside any callback of the library (or, in owned-loop mode, on the
 * library's own thread) it is refused: it returns at once, frees nothing,
 * and sets toolorch_last_error(ctx). [loop thread]
 */
TOOLORCH_API void toolorch_free(toolorch_ctx *ctx);

/*
 * The detail of the last failed call made on ctx from the calling thread;
 * "" if none. Borrowed until the next call on ctx from this thread. [any thread]
 */
TOOLORCH_API const char *toolorch_last_error(const toolorch_ctx *ctx);

/* Counters of a context, [any thread]. Keys: "calls_started", "calls_succeeded",
 * "calls_failed", "calls_cancelled", "calls_timed_out", "late_completions",
 * "max_running" (the most calls seen running at once), "running", "waiting",
 * "results_truncated", "results_too_big" (results over max_result_bytes: cut
 * or failed, toolorch/opts.h).
 * Speculation (toolorch/speculation.h): "speculation_guesses", "speculation_hits",
 * "speculation_cancelled", "speculation_wasted", "speculation_wasted_tool_us",
 * "speculation_saved_us", "speculation_source_failures", "speculation_preempted"
 * (guesses cancelled to free a slot for a real call), and per reason
 * "speculation_dropped_side_effects", "_over_cap", "_below_threshold",
 * "_unknown_tool", "_invalid_arguments", "_rate_limited".
 * The result store (see below): "results_stored", "result_bytes_stored",
 * "result_memory_bytes" (held in memory now, compressed sizes for compressed
 * results), "result_memory_peak_bytes", "results_compressed",
 * "result_bytes_compressed" (their sizes) and "result_bytes_compressed_to"
 * (what they take compressed), "results_spilled", "result_bytes_spilled",
 * "result_disk_bytes" (in spill files now), "results_read_back",
 * "result_bytes_read_back", "result_spill_failures", "result_read_failures",
 * "result_stale_spill_dirs_removed".
 * Unknown key: -1.
 *
 * The result store. A tool's result is held once, by the context, shared
 * by its call, the job's transcript and the events about it (an event in the
 * queue holds no copy: toolorch_event_text reads it from the store the first
 * time it is asked, and that text lives as long as the event). Options in
 * toolorch/opts.h: compress_results, compress_threshold_bytes,
 * max_memory_bytes, spill_dir. Past 7/8 of max_memory_bytes the oldest
 * results go to files in a directory of the context under spill_dir,
 * "toolorch-spill-<pid>-<process start time>-<n>" (mode 0700, files 0600);
 * a file is removed when its result's last holder goes (the batch or job
 * freed and the events about it freed), the directory with the context. A
 * context that starts with a budget removes the directories that processes
 * no longer running left there (a crash). When a spill fails (the disk is
 * full, the directory cannot be made or written) the result stays in memory
 * and "result_spill_failures" counts it: results and events are never
 * dropped or delayed for lack of disk, and memory may then pass the budget
 * ("result_memory_bytes" shows by how much). */
TOOLORCH_API int64_t toolorch_stat(const toolorch_ctx *ctx, const char *key);

#ifdef __cplusplus
}
#endif

#endif /* TOOLORCH_CTX_H */

/* toolorch — MCP servers (Model Context Protocol) as tool sources.
 * Part of the C ABI: see toolorch.h for the conventions.
 *
 * A server is described in JSON, the same form as one entry of the
 * context option "mcp_servers" and of the CLI config's "mcp_servers":
 *
 *   {"name": "fs", "command": ["npx", "-y", "@modelcontextprotocol/server-filesystem", "/srv"],
 *    "env": {"KEY": "..."}, "tools": ["read_file"], "side_effect_free": ["read_file"]}
 *   {"name": "remote", "url": "http://127.0.0.1:3001/mcp", "headers": {"Authorization": "Bearer ..."},
 *    "max_parallel": 8, "service": "remote-mcp", "timeout_ms": 30000, "prefix": "remote_"}
 *
 * Keys: name (required); command (stdio: argv, run without a shell) or url
 * (Streamable HTTP); env (stdio) / headers (HTTP), whose values are never
 * logged; tools (register only these; default all); side_effect_free (tools
 * flagged TOOLORCH_TOOL_SIDE_EFFECT_FREE); trust_annotations (also flag the
 * tools whose readOnlyHint is true: the hint comes from the server, so it is
 * used only when you say so); prefix (local name = prefix + the server's
 * name); max_parallel, service, timeout_ms (as toolorch_tool_set_*, for each
 * of its tools); protocol ("auto" default, "2025-11-25", "2026-07-28");
 * start_timeout_ms (30000); restart_backoff_ms (200) and
 * restart_backoff_max_ms (10000) after a crash.
 *
 * Its tools are listed (every page) and registered like any other tool:
 * the same caps, rate limits, deadlines, retries and cancellation. A name
 * that is taken already is an error naming both sources, unless a prefix
 * keeps them apart. A running call reports the server's progress as
 * TOOLORCH_EVENT_PROGRESS events; a cancelled or timed-out call is cancelled
 * on the server too (see docs/ARCHITECTURE.md, "MCP servers").
 */
#ifndef TOOLORCH_MCP_H
#define TOOLORCH_MCP_H

#include <toolorch/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Add a server and register its tools.
 * Owned-loop mode: returns once its tools are registered (OK) or it failed
 * to start (its status, the detail in toolorch_last_error): ECONFIG for a bad
 * description, EEXIST for a name taken, EIO / ETOOL / ETIMEDOUT / EPROTOCOL /
 * EHTTP when it could not be started or reached. [any thread but the loop's]
 * Borrowed-loop mode: starts it and returns OK; use the _async form to learn
 * when its tools are there. [loop thread]
 */
TOOLORCH_API int toolorch_add_mcp_server(toolorch_ctx *ctx, const char *config_json);

/* Called once on the loop thread: the server's tools are registered (OK), or
 * why it could not start. The strings are borrowed. It may call anything but
 * toolorch_free (toolorch.h, "Callbacks and re-entrancy"). */
typedef void (*toolorch_mcp_ready_fn)(toolorch_ctx *ctx, const char *server, int status,
                                      const char *message, void *userdata);
/* Start a server without waiting; done (may be NULL) tells the outcome. [loop thread] */
TOOLORCH_API int toolorch_add_mcp_server_async(toolorch_ctx *ctx, const char *config_json,
                                               toolorch_mcp_ready_fn done, void *userdata);

/*
 * A counter of one server: "starts", "crashes", "calls", "cancels_sent",
 * "late_responses", "garbage", "progress", "list_changes", "tools" (how many
 * it registered), "ready" (1 or 0). -1 for an unknown server or key. [loop thread]
 */
TOOLORCH_API int64_t toolorch_mcp_stat(toolorch_ctx *ctx, const char *server, const char *key);

/* The protocol revision agreed with a server: "2026-07-28", "2025-11-25"
 * (or an earlier one the server chose: "2025-06-18", "2025-03-26",
 * "2024-11-05", else "other"); "" until agreed or for an unknown server.
 * A static string. [loop thread] */
TOOLORCH_API const char *toolorch_mcp_revision(toolorch_ctx *ctx, const char *server);

#ifdef __cplusplus
}
#endif

#endif /* TOOLORCH_MCP_H */

package toolorch

import (
	"runtime"

	"toolorch.dev/go/toolorch/internal/capi"
)

// Version is the version of the C library actually loaded ("0.1.0").
func Version() string { return capi.Toolorch_version() }

// CheckJob checks a request as StartJob would (its keys, the provider, the
// speculation model, the tools it names) without starting anything: nil, or
// the *Error StartJob would give.
func (o *Orchestrator) CheckJob(requestJSON string) error {
	o.life.RLock()
	defer o.life.RUnlock()
	if o.ctxGone {
		return &Error{Code: ErrClosed, Msg: "the orchestrator is closed"}
	}
	runtime.LockOSThread() // the detail is kept per thread
	defer runtime.UnlockOSThread()
	if rc := capi.Toolorch_job_check(o.c, requestJSON); rc != 0 {
		return o.lastError(rc)
	}
	return nil
}

// AddMCPServer starts an MCP server (Model Context Protocol) and registers
// its tools, returning once they are registered or it failed to start.
// config is its JSON description (include/toolorch/mcp.h), as a string,
// []byte or a value encoded as JSON, e.g.
// {"name": "fs", "command": ["npx", "-y", "@modelcontextprotocol/server-filesystem", "/srv"]}
// or {"name": "remote", "url": "http://127.0.0.1:3001/mcp"}. Its tools run
// like any other (caps, rate limits, deadlines, retries, cancellation); a
// running call's progress arrives as EventProgress.
func (o *Orchestrator) AddMCPServer(config any) error {
	text, err := configJSON(config)
	if err != nil {
		return err
	}
	o.life.RLock()
	defer o.life.RUnlock()
	if o.ctxGone {
		return &Error{Code: ErrClosed, Msg: "the orchestrator is closed"}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if rc := capi.Toolorch_add_mcp_server(o.c, text); rc != 0 {
		return o.lastError(rc)
	}
	return nil
}

// MCPStat reads a counter of an MCP server: "starts", "crashes", "calls",
// "cancels_sent", "late_responses", "garbage", "progress", "list_changes",
// "tools", "ready". -1 for an unknown server or key, or after Close.
func (o *Orchestrator) MCPStat(server, key string) int64 {
	o.life.RLock()
	defer o.life.RUnlock()
	if o.ctxGone {
		return -1
	}
	return capi.Toolorch_mcp_stat(o.c, server, key)
}

// MCPRevision is the protocol revision agreed with an MCP server
// ("2026-07-28", "2025-11-25", ...); "" until agreed, for an unknown server,
// or after Close.
func (o *Orchestrator) MCPRevision(server string) string {
	o.life.RLock()
	defer o.life.RUnlock()
	if o.ctxGone {
		return ""
	}
	return capi.Toolorch_mcp_revision(o.c, server)
}

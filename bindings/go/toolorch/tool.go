package toolorch

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"

	"toolorch.dev/go/toolorch/internal/capi"
)

// ToolFunc runs one call of a tool on a goroutine of its own. args is the
// call's arguments (a JSON object, already checked against the tool's
// schema). The returned text is the result the model or the batch sees; an
// error sends its message as a failed result instead (the job goes on).
// ctx is cancelled when the call is cancelled or times out, when its job or
// batch ends, and at Close: a long tool should return then (its result is
// dropped anyway).
type ToolFunc func(ctx context.Context, args json.RawMessage) (string, error)

// ToolFlags qualify a tool (TOOLORCH_TOOL_*).
type ToolFlags uint

const (
	// ToolSideEffectFree tools may start before the model's whole answer has
	// arrived (eager dispatch) or speculatively.
	ToolSideEffectFree ToolFlags = 0x1
	// ToolRetryable tools' failures may be retried.
	ToolRetryable ToolFlags = 0x4
)

// RegisterTool adds a tool written in Go. schemaJSON is the JSON Schema of
// its arguments (an object schema; "" for any object). The library sees it
// as an external tool: each call comes out of its event queue and fn runs on
// a goroutine.
func (o *Orchestrator) RegisterTool(name, description, schemaJSON string, flags ToolFlags, fn ToolFunc) error {
	if fn == nil {
		return &Error{Code: ErrInvalid, Msg: "the tool function is nil"}
	}
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return &Error{Code: ErrClosed, Msg: "the orchestrator is closed"}
	}
	if _, taken := o.tools[name]; taken {
		o.mu.Unlock()
		return &Error{Code: ErrExists, Msg: fmt.Sprintf("a tool named %q is registered already", name)}
	}
	o.tools[name] = fn
	o.mu.Unlock()

	if err := o.registerC(name, description, schemaJSON, flags); err != nil {
		o.mu.Lock()
		delete(o.tools, name)
		o.mu.Unlock()
		return err
	}
	return nil
}

func (o *Orchestrator) registerC(name, description, schemaJSON string, flags ToolFlags) error {
	t := capi.Toolorch_tool_new(name)
	if t.Swigcptr() == 0 {
		return &Error{Code: ErrInvalid, Msg: "a tool needs a non-empty name"}
	}
	defer capi.Toolorch_tool_free(t)
	if rc := capi.Toolorch_tool_set_description(t, description); rc != 0 {
		return newError(rc, "description")
	}
	if schemaJSON != "" {
		if rc := capi.Toolorch_tool_set_schema(t, schemaJSON); rc != 0 {
			return newError(rc, "schema")
		}
	}
	if rc := capi.Toolorch_tool_set_flags(t, uint(flags)); rc != 0 {
		return newError(rc, fmt.Sprintf("unknown tool flags %#x", uint(flags)))
	}
	o.life.RLock()
	defer o.life.RUnlock()
	if o.ctxGone {
		return &Error{Code: ErrClosed, Msg: "the orchestrator is closed"}
	}
	runtime.LockOSThread() // the detail is kept per thread
	defer runtime.UnlockOSThread()
	if rc := capi.Toolorch_register_tool(o.c, t); rc != 0 {
		return o.lastError(rc)
	}
	return nil
}

// runningCall is a call a Go tool is working on.
type runningCall struct {
	call   capi.Struct_SS_toolorch_call
	ctx    context.Context
	cancel context.CancelFunc
}

// startTool runs the tool of a TOOL_CALL event on a goroutine of its own.
func (o *Orchestrator) startTool(ev capi.Struct_SS_toolorch_event) {
	name := capi.Toolorch_event_tool_name(ev)
	rc := &runningCall{call: capi.Toolorch_event_call(ev)}
	o.mu.Lock()
	fn := o.tools[name]
	closed := o.closed
	if fn != nil && !closed {
		rc.ctx, rc.cancel = context.WithCancel(o.base)
		o.running[rc.call.Swigcptr()] = rc
	}
	o.mu.Unlock()
	if closed {
		return // toolorch_close releases the call
	}
	if fn == nil {
		o.finishCall(rc, "", fmt.Errorf("no Go function is registered for tool %q", name))
		return
	}
	args := json.RawMessage(capi.Toolorch_event_json(ev))
	go func() {
		result, err := runTool(rc.ctx, fn, args)
		o.forget(rc)
		o.finishCall(rc, result, err)
		rc.cancel()
	}()
}

// runTool calls fn, turning a panic into the call's error.
func runTool(ctx context.Context, fn ToolFunc, args json.RawMessage) (result string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("tool panicked: %v", p)
		}
	}()
	return fn(ctx, args)
}

// finishCall hands the tool's result back to the library (from this
// goroutine: completing a call is safe from any thread), unless Close has
// begun, in which case the library has let go of the call already.
func (o *Orchestrator) finishCall(rc *runningCall, result string, err error) {
	o.life.RLock()
	defer o.life.RUnlock()
	if o.callsGone {
		return
	}
	if err != nil {
		msg := err.Error()
		if msg == "" {
			msg = "the tool failed"
		}
		capi.Toolorch_call_fail(rc.call, msg)
		return
	}
	capi.Toolorch_call_complete(rc.call, result)
}

func (o *Orchestrator) forget(rc *runningCall) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.running[rc.call.Swigcptr()] == rc {
		delete(o.running, rc.call.Swigcptr())
	}
}

// cancelRunning cancels the context of the tool working on a call that
// ended without its result (a TOOL_CANCELLED event).
func (o *Orchestrator) cancelRunning(call uintptr) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if rc := o.running[call]; rc != nil {
		rc.cancel()
	}
}

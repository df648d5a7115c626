package toolorch

import (
	"context"
	"encoding/json"
	"fmt"

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

// ToolFlags qualify a tool (TOOLORCH_TOOL_*, values from the C header).
type ToolFlags uint

const (
	// ToolSideEffectFree tools may start before the model's whole answer has
	// arrived (eager dispatch) or speculatively.
	ToolSideEffectFree = ToolFlags(capi.TOOLORCH_TOOL_SIDE_EFFECT_FREE)
	// ToolRetryable tools' failures may be retried.
	ToolRetryable = ToolFlags(capi.TOOLORCH_TOOL_RETRYABLE)
)

// RegisterTool adds a tool written in Go. schemaJSON is the JSON Schema of
// its arguments (an object schema; "" for any object). The library sees it
// as an external tool: each call comes out of its event queue and fn runs on
// a goroutine. Register takes every other setting (ToolSpec).
func (o *Orchestrator) RegisterTool(name, description, schemaJSON string, flags ToolFlags, fn ToolFunc) error {
	if fn == nil {
		return &Error{Code: ErrInvalid, Msg: "the tool function is nil"}
	}
	return o.Register(ToolSpec{Name: name, Description: description, Schema: schemaJSON, Flags: flags, Func: fn})
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
		capi.Toolorch_call_fail_ex(rc.call, msg, failFlags(err))
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

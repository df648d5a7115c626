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
	args := json.RawMessage(capi.Toolorch_event_json(ev))
	o.serveRequest(ev, "tool", func() (work, error) {
		fn := o.tools[name]
		if fn == nil {
			return nil, fmt.Errorf("no Go function is registered for tool %q", name)
		}
		return func(ctx context.Context) (string, error) { return fn(ctx, args) }, nil
	})
}

// work is what answers one request of the library: a tool's result, a chain
// step's arguments, a score.
type work func(ctx context.Context) (string, error)

// serveRequest answers a request the library handed out (TOOL_CALL,
// CHAIN_ARGS, SCORE) on a goroutine of its own, cancellable through
// TOOL_CANCELLED while it runs. find runs under o.mu and names the work, or
// why there is none (answered at once as the call's error). what names the
// work in the error a panic turns into.
func (o *Orchestrator) serveRequest(ev capi.Struct_SS_toolorch_event, what string, find func() (work, error)) {
	rc := &runningCall{call: capi.Toolorch_event_call(ev)}
	o.mu.Lock()
	w, missing := find()
	closed := o.closed
	if w != nil && !closed {
		rc.ctx, rc.cancel = context.WithCancel(o.base)
		o.running[rc.call.Swigcptr()] = rc
	}
	o.mu.Unlock()
	if closed {
		return // toolorch_close releases the request
	}
	if w == nil {
		o.finishCall(rc, "", missing)
		return
	}
	go func() {
		out, err := runRecovered(rc.ctx, what, w)
		o.forget(rc)
		o.finishCall(rc, out, err)
		rc.cancel()
	}()
}

// runRecovered runs w, turning a panic into its error.
func runRecovered(ctx context.Context, what string, w work) (out string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s panicked: %v", what, p)
		}
	}()
	return w(ctx)
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

package toolorch

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"

	"toolorch.dev/go/toolorch/internal/capi"
)

// RegisterChain registers a chain of tools from its JSON form (docs/CHAINS.md,
// include/toolorch/chain.h): parallel groups and sequences of tool calls whose
// arguments refer to the chain's input ("${input#/city}") and to earlier
// steps' results ("${s1}", "${s1#/items/0}"). The chain is one more tool the
// model or a batch can call; its steps run as ordinary calls of their tools
// (Go tools included) and show as events whose ParentCallID is the chain's
// call. A reference to a step that has not run yet, or to no step, is refused
// here with ErrConfig naming it.
//
// computed gives steps whose arguments a Go closure computes (ComputeArgs),
// for logic the reference syntax cannot say; naming no call step of the
// chain is ErrConfig.
func (o *Orchestrator) RegisterChain(chainJSON string, computed ...StepArgs) error {
	o.life.RLock()
	defer o.life.RUnlock()
	if o.ctxGone {
		return &Error{Code: ErrClosed, Msg: "the orchestrator is closed"}
	}
	// The detail is kept per thread: read it on the thread that failed.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if len(computed) == 0 {
		if rc := capi.Toolorch_register_chain_json(o.c, chainJSON); rc != 0 {
			return o.lastError(rc)
		}
		return nil
	}
	noCtx := capi.SwigcptrStruct_SS_toolorch_ctx(0)
	c := capi.Toolorch_chain_new_json(chainJSON)
	if c.Swigcptr() == 0 {
		return newError(int(capi.TOOLORCH_ECONFIG), capi.Toolorch_last_error(noCtx))
	}
	defer capi.Toolorch_chain_free(c)
	fns := map[string]ChainArgsFunc{}
	for _, a := range computed {
		if a.fn == nil {
			return &Error{Code: ErrInvalid, Msg: fmt.Sprintf("the closure of step %q is nil", a.step)}
		}
		if rc := capi.Toolorch_chain_set_args_external(c, a.step); rc != 0 {
			return newError(rc, capi.Toolorch_last_error(noCtx))
		}
		fns[a.step] = a.fn
	}
	// The closures are in place before the chain can be called; a name
	// already taken keeps its own (registration then fails with ErrExist).
	name := capi.Toolorch_chain_name(c)
	o.mu.Lock()
	_, taken := o.chainArgs[name]
	if !taken {
		o.chainArgs[name] = fns
	}
	o.mu.Unlock()
	if rc := capi.Toolorch_register_chain(o.c, c); rc != 0 {
		err := o.lastError(rc)
		if !taken {
			o.mu.Lock()
			delete(o.chainArgs, name)
			o.mu.Unlock()
		}
		return err
	}
	return nil
}

// ChainContext is what a closure computing a step's arguments sees.
type ChainContext struct {
	Chain  string // the chain's name
	Step   string // the step's name
	CallID string // the step's call id, "<chain call id>/<step>"
	// Input is the chain's arguments (a JSON object); Results the result
	// text of every step that has succeeded so far, by step name.
	Input   json.RawMessage
	Results map[string]string
}

// ChainArgsFunc computes a chain step's arguments, on a goroutine of its own,
// just before the step runs. The map is encoded as the step's arguments (nil:
// {}); an error fails the step, and the chain with it ("chain "c": step "s"
// failed: <error>"). ctx is cancelled when the chain's call ends first
// (cancelled, timed out, a sibling failed) and at Close.
type ChainArgsFunc func(ctx context.Context, c ChainContext) (map[string]any, error)

// StepArgs ties a closure to a step of a chain: see ComputeArgs.
type StepArgs struct {
	step string
	fn   ChainArgsFunc
}

// ComputeArgs makes fn compute the arguments of the chain's call step named
// step (its "args" template, if any, is not used).
func ComputeArgs(step string, fn ChainArgsFunc) StepArgs { return StepArgs{step: step, fn: fn} }

// startChainArgs runs the closure of a CHAIN_ARGS event on a goroutine of its
// own and answers the request as a tool's call is answered: the request is
// kept among the running calls, so TOOL_CANCELLED cancels its context.
func (o *Orchestrator) startChainArgs(ev capi.Struct_SS_toolorch_event) {
	c := ChainContext{Chain: capi.Toolorch_event_tool_name(ev), Step: capi.Toolorch_event_text(ev),
		CallID: capi.Toolorch_event_call_id(ev)}
	var sent struct {
		Input   json.RawMessage   `json:"input"`
		Results map[string]string `json:"results"`
	}
	// The library wrote it: it parses (were it not, the closure sees an empty context).
	_ = json.Unmarshal([]byte(capi.Toolorch_event_json(ev)), &sent)
	c.Input, c.Results = sent.Input, sent.Results
	o.serveRequest(ev, "the arguments closure", func() (work, error) {
		fn := o.chainArgs[c.Chain][c.Step]
		if fn == nil {
			return nil, fmt.Errorf("no Go closure computes the arguments of step %q of chain %q", c.Step, c.Chain)
		}
		return func(ctx context.Context) (string, error) { return encodeChainArgs(fn(ctx, c)) }, nil
	})
}

// encodeChainArgs writes a closure's arguments as the JSON object the step runs with.
func encodeChainArgs(m map[string]any, err error) (string, error) {
	if err != nil {
		return "", err
	}
	if m == nil {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("the arguments closure's map does not encode as JSON: %w", err)
	}
	return string(b), nil
}

package toolorch

import (
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
func (o *Orchestrator) RegisterChain(chainJSON string) error {
	o.life.RLock()
	defer o.life.RUnlock()
	if o.ctxGone {
		return &Error{Code: ErrClosed, Msg: "the orchestrator is closed"}
	}
	// The detail is kept per thread: read it on the thread that failed.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if rc := capi.Toolorch_register_chain_json(o.c, chainJSON); rc != 0 {
		return o.lastError(rc)
	}
	return nil
}

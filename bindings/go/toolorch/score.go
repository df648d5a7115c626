package toolorch

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"

	"toolorch.dev/go/toolorch/internal/capi"
)

// Scored is a branch's success a ScoreFunc scores: the call, its group and
// its result.
type Scored struct {
	Group, CallID, Tool string
	Args                json.RawMessage // the call's arguments
	Result              string          // what its tool returned
}

// ScoreFunc scores a branch's successful result, higher is better (a
// group's cancel_on_better_result threshold compares with it). It runs on a
// goroutine of its own, never on the library's thread: the library asks for
// a score only when it can still decide the group (the policy cancels on a
// score, no branch decided it, a sibling still runs), and decides when the
// score comes. An error gives no score (the group goes on). ctx is
// cancelled when the score can no longer matter (the group decided, every
// branch ended) and at Close.
type ScoreFunc func(ctx context.Context, s Scored) (float64, error)

// SetScorer makes fn the orchestrator's scorer: the one of groups without
// their own (Group.Scorer), the groups of jobs included
// (toolorch_set_scorer_external). nil puts back the default (every success
// scores 1.0).
func (o *Orchestrator) SetScorer(fn ScoreFunc) error {
	o.life.RLock()
	defer o.life.RUnlock()
	if o.ctxGone {
		return &Error{Code: ErrClosed, Msg: "the orchestrator is closed"}
	}
	o.mu.Lock()
	o.scorer = fn
	o.mu.Unlock()
	runtime.LockOSThread() // the detail is kept per thread
	defer runtime.UnlockOSThread()
	var rc int
	if fn != nil {
		rc = capi.Toolorch_set_scorer_external(o.c)
	} else {
		rc = capi.Toolorch_bind_clear_scorer(o.c)
	}
	if rc != 0 {
		return o.lastError(rc)
	}
	return nil
}

// startScore runs the scorer of a SCORE event on a goroutine of its own and
// answers the request as a tool's call is answered: the request is kept
// among the running calls, so TOOL_CANCELLED cancels its context.
func (o *Orchestrator) startScore(st *stream, ev capi.Struct_SS_toolorch_event) {
	s := Scored{Group: capi.Toolorch_event_group(ev), CallID: capi.Toolorch_event_call_id(ev),
		Tool: capi.Toolorch_event_tool_name(ev), Args: json.RawMessage(capi.Toolorch_event_json(ev)),
		Result: capi.Toolorch_event_text(ev)}
	o.serveRequest(ev, "the scorer", func() (work, error) {
		fn := st.scorers[s.Group] // set before submit, read-only after
		if fn == nil {
			fn = o.scorer
		}
		if fn == nil {
			return nil, fmt.Errorf("no Go scorer for group %q", s.Group)
		}
		return func(ctx context.Context) (string, error) {
			v, err := fn(ctx, s)
			if err != nil {
				return "", err
			}
			// The JSON number the library reads.
			return strconv.FormatFloat(v, 'g', -1, 64), nil
		}, nil
	})
}

// cancelCall cancels one call of the job or batch by its id.
func (s *stream) cancelCall(id string) error {
	s.o.life.RLock()
	defer s.o.life.RUnlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.released || s.o.ctxGone {
		return &Error{Code: ErrLate, Msg: "call " + strconv.Quote(id) + ": the " + s.kind() + " has ended"}
	}
	runtime.LockOSThread() // the detail is kept per thread
	defer runtime.UnlockOSThread()
	var rc int
	if s.isJob() {
		rc = capi.Toolorch_job_cancel_call(s.job, id)
	} else if s.batch != nil && s.batch.Swigcptr() != 0 {
		rc = capi.Toolorch_batch_cancel_call(s.batch, id)
	}
	if rc != 0 {
		return newError(rc, capi.Toolorch_last_error(s.o.c))
	}
	return nil
}

func (s *stream) batchCount(ended bool) int {
	s.o.life.RLock()
	defer s.o.life.RUnlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.released || s.o.ctxGone || s.batch == nil || s.batch.Swigcptr() == 0 {
		return len(s.results)
	}
	if ended {
		return int(capi.Toolorch_batch_ended(s.batch))
	}
	return int(capi.Toolorch_batch_size(s.batch))
}

func (s *stream) kind() string {
	if s.isJob() {
		return "job"
	}
	return "batch"
}

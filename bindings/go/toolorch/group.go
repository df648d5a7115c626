package toolorch

import (
	"encoding/json"
	"runtime"

	"toolorch.dev/go/toolorch/internal/capi"
)

// Group is a batch's branch group (include/toolorch/group.h): calls that
// answer the same question in different ways, under a policy that cancels
// the branches no longer worth their cost.
type Group struct {
	Name   string
	Policy GroupPolicy
	// PolicyJSON, if set, is the policy as the library's JSON instead of
	// Policy: {"timeout_ms": .., "cancel_on_better_result": {"threshold": ..},
	// "keep_top_n_branches": .., "on_failure": "isolate" | "cancel_siblings"}.
	PolicyJSON string
	// Scorer, if set, scores the group's successes (else the orchestrator's,
	// SetScorer; else every success scores 1.0). It runs on a goroutine, and
	// the group decides when its score comes: see ScoreFunc.
	Scorer ScoreFunc
}

// GroupPolicy is the typed form of a group's policy (the same keys a job's
// "groups" entries take). Zero fields are off.
type GroupPolicy struct {
	TimeoutMs int64 `json:"timeout_ms,omitempty"` // every branch still running after it times out
	// CancelOnBetterResult: the first success scoring >= Threshold cancels
	// the other branches (without a scorer every success scores 1.0).
	CancelOnBetterResult *Threshold `json:"cancel_on_better_result,omitempty"`
	KeepTopNBranches     int        `json:"keep_top_n_branches,omitempty"` // once n succeeded, cancel the rest
	OnFailure            string     `json:"on_failure,omitempty"`          // "isolate" (default) or "cancel_siblings"
}

// Threshold of GroupPolicy.CancelOnBetterResult.
type Threshold struct {
	Threshold float64 `json:"threshold"`
}

func addGroup(c capi.Struct_SS_toolorch_ctx, b capi.Struct_SS_toolorch_batch, g Group) error {
	text := g.PolicyJSON
	if text == "" {
		raw, err := json.Marshal(g.Policy)
		if err != nil {
			return &Error{Code: ErrInvalid, Msg: err.Error()}
		}
		text = string(raw)
	}
	p := capi.Toolorch_group_policy_new()
	if p.Swigcptr() == 0 {
		return &Error{Code: ErrNoMemory}
	}
	defer capi.Toolorch_group_policy_free(p)
	runtime.LockOSThread() // the detail is kept per thread
	defer runtime.UnlockOSThread()
	if rc := capi.Toolorch_group_policy_from_json(p, text); rc != 0 {
		return newError(rc, "group "+g.Name+": "+capi.Toolorch_last_error(capi.SwigcptrStruct_SS_toolorch_ctx(0)))
	}
	if g.Scorer != nil {
		capi.Toolorch_group_policy_set_scorer_external(p)
	}
	// The policy keeps its detail without a context; the batch under its context.
	if rc := capi.Toolorch_batch_add_group(b, g.Name, p); rc != 0 {
		return newError(rc, "group "+g.Name+": "+capi.Toolorch_last_error(c))
	}
	return nil
}

// cancelGroup cancels a group of the job or batch (nothing once it ended).
func (s *stream) cancelGroup(name string) error {
	s.o.life.RLock()
	defer s.o.life.RUnlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.released || s.o.ctxGone {
		return nil
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var rc int
	if s.isJob() {
		rc = capi.Toolorch_job_cancel_group(s.job, name)
	} else if s.batch != nil && s.batch.Swigcptr() != 0 {
		rc = capi.Toolorch_batch_cancel_group(s.batch, name)
	}
	if rc != 0 {
		return newError(rc, capi.Toolorch_last_error(s.o.c))
	}
	return nil
}

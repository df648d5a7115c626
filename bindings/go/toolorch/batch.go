package toolorch

import (
	"context"
	"time"

	"toolorch.dev/go/toolorch/internal/capi"
)

// BatchCall is one call of a batch.
type BatchCall struct {
	Tool  string
	Args  string // a JSON object; "" for {}
	ID    string // "" for a generated id
	Group string // "" for none; else one of the batch's Groups
}

// CallResult is how one call ended.
type CallResult struct {
	CallID, Tool string
	State        CallState
	Result       string // the tool's result when State is CallSucceeded
	Err          error  // otherwise an *Error: the status and the message
	Attempts     int
	RunTime      time.Duration
	WaitTime     time.Duration
}

func resultOf(e Event) CallResult {
	r := CallResult{CallID: e.CallID, Tool: e.Tool, State: e.State, Attempts: e.Attempts,
		RunTime: e.RunTime, WaitTime: e.WaitTime}
	if e.State == CallSucceeded {
		r.Result = e.Text
	} else {
		code := e.Code
		if code == OK { // a failed call always has a status; be safe
			code = ErrTool
		}
		r.Err = &Error{Code: code, Msg: e.Text}
	}
	return r
}

// Batch is many calls run at once without an LLM.
type Batch struct{ s *stream }

// StartBatch submits calls. An unknown tool or arguments that are not JSON do
// not fail the batch: that call ends failed with a clear message. Cancelling
// ctx cancels the calls that have not ended.
func (o *Orchestrator) StartBatch(ctx context.Context, calls []BatchCall) (*Batch, error) {
	return o.StartGroupedBatch(ctx, nil, calls)
}

// StartGroupedBatch is StartBatch with branch groups: calls whose Group names
// one of groups answer the same question, under that group's policy.
func (o *Orchestrator) StartGroupedBatch(ctx context.Context, groups []Group, calls []BatchCall) (*Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, contextError(ctx, err.Error())
	}
	s := newStream(o)
	for _, g := range groups {
		if g.Scorer != nil {
			if s.scorers == nil {
				s.scorers = map[string]ScoreFunc{}
			}
			s.scorers[g.Name] = g.Scorer
		}
	}
	if err := o.addConsumer(); err != nil {
		return nil, err
	}
	if err := o.startBatchC(s, groups, calls); err != nil {
		o.consumers.Done()
		return nil, err
	}
	go o.consume(s)
	s.watch(ctx)
	return &Batch{s}, nil
}

func (o *Orchestrator) startBatchC(s *stream, groups []Group, calls []BatchCall) error {
	o.life.RLock()
	defer o.life.RUnlock()
	if o.ctxGone {
		return &Error{Code: ErrClosed, Msg: "the orchestrator is closed"}
	}
	b := capi.Toolorch_bind_batch_new_queued(o.c)
	if b.Swigcptr() == 0 {
		return &Error{Code: ErrClosed, Msg: "the orchestrator is shutting down"}
	}
	for _, g := range groups {
		if err := addGroup(o.c, b, g); err != nil {
			capi.Toolorch_batch_free(b)
			return err
		}
	}
	for _, c := range calls {
		args := c.Args
		if args == "" {
			args = "{}"
		}
		var rc int
		if c.Group != "" {
			rc = capi.Toolorch_batch_add_in_group(b, c.Group, c.Tool, args, c.ID)
		} else {
			rc = capi.Toolorch_batch_add(b, c.Tool, args, c.ID)
		}
		if rc != 0 {
			capi.Toolorch_batch_free(b)
			return newError(rc, "cannot add call to "+c.Tool)
		}
	}
	s.batch = b
	if rc := capi.Toolorch_batch_submit(b); rc != 0 {
		s.released = true
		capi.Toolorch_batch_free(b)
		return newError(rc, "cannot submit the batch")
	}
	return nil
}

// RunBatch is StartBatch then Wait.
func (o *Orchestrator) RunBatch(ctx context.Context, calls []BatchCall) ([]CallResult, error) {
	b, err := o.StartBatch(ctx, calls)
	if err != nil {
		return nil, err
	}
	return b.Wait()
}

// Events streams the batch's CALL_RESULTs as calls end, then EventBatchDone.
func (b *Batch) Events() <-chan Event { return b.s.events() }

// Wait blocks until every call has ended and returns how each ended, in the
// order they ended. The error is non-nil if the batch itself could not
// finish (the orchestrator was closed), or if its context ended it: then
// the error and each call it cancelled match the context's error
// (errors.Is(err, context.DeadlineExceeded) for a deadline).
func (b *Batch) Wait() ([]CallResult, error) {
	<-b.s.done
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	err := b.s.finalError()
	if b.s.ctxErr == nil || err != nil {
		return b.s.results, err
	}
	cut := false
	for i := range b.s.results {
		if e, ok := b.s.results[i].Err.(*Error); ok && e.Code == ErrCancelled {
			e.ctxErr = b.s.ctxErr
			cut = true
		}
	}
	if cut {
		err = &Error{Code: ErrCancelled, Msg: "the context ended the batch: " + b.s.ctxErr.Error(), ctxErr: b.s.ctxErr}
	}
	return b.s.results, err
}

// Done is closed when every call has ended.
func (b *Batch) Done() <-chan struct{} { return b.s.done }

// Cancel cancels every call that has not ended.
func (b *Batch) Cancel() { b.s.cancel() }

// CancelCall cancels one call of the batch by its id (BatchCall.ID, or the
// generated one its events carry): it ends ErrCancelled, its tool's context
// is cancelled, and the rest of the batch goes on. An *Error with ErrLate if
// the call had ended, ErrInvalid if the batch has no such call.
func (b *Batch) CancelCall(id string) error { return b.s.cancelCall(id) }

// Size is how many calls the batch has, Ended how many of them have ended so
// far (toolorch_batch_size, _ended). Once the batch has ended (or the
// orchestrator closed) both count the results it gave.
func (b *Batch) Size() int  { return b.s.batchCount(false) }
func (b *Batch) Ended() int { return b.s.batchCount(true) }

// CancelGroup cancels every call of the group that has not ended.
func (b *Batch) CancelGroup(name string) error { return b.s.cancelGroup(name) }

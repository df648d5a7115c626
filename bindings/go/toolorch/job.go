package toolorch

import (
	"context"
	"encoding/json"
	"runtime"

	"toolorch.dev/go/toolorch/internal/capi"
)

// Job is one run of the agent loop against the LLM of the "llm" options:
// the model's answer, the tool calls it asks for (run at once, in parallel),
// their results back to the model, the next round, until a final answer.
type Job struct{ s *stream }

// Result is a job's successful end.
type Result struct {
	Text                      string          // the final answer
	Transcript                json.RawMessage // the conversation, as the library kept it
	InputTokens, OutputTokens int64
}

// StartJob starts a job. requestJSON is the request of include/toolorch/job.h,
// e.g. {"prompt": "...", "max_rounds": 4}. Cancelling ctx cancels the job (it
// then ends with ErrCancelled, which errors.Is matches to context.Canceled).
// The job's C handle is freed when it ends.
func (o *Orchestrator) StartJob(ctx context.Context, requestJSON string) (*Job, error) {
	if err := ctx.Err(); err != nil {
		return nil, contextError(ctx, err.Error())
	}
	s := newStream(o)
	if err := o.addConsumer(); err != nil {
		return nil, err
	}
	if err := o.startJobC(s, requestJSON); err != nil {
		o.consumers.Done()
		return nil, err
	}
	go o.consume(s)
	s.watch(ctx)
	return &Job{s}, nil
}

func (o *Orchestrator) startJobC(s *stream, requestJSON string) error {
	o.life.RLock()
	defer o.life.RUnlock()
	if o.ctxGone {
		return &Error{Code: ErrClosed, Msg: "the orchestrator is closed"}
	}
	runtime.LockOSThread() // the status and detail are kept per thread
	defer runtime.UnlockOSThread()
	// Its events wait in its own queue until the consumer starts.
	h := capi.Toolorch_bind_job_start_queued(o.c, requestJSON)
	if h.Swigcptr() == 0 {
		return o.lastError(capi.Toolorch_bind_last_status())
	}
	s.job = h
	return nil
}

// Events streams what the job reports (text deltas, the model's tool calls,
// call results, usage, rounds) and finally EventJobDone; then it is closed.
// Events seen before the first call are kept and come first. Read it to the
// end, or the events wait in memory until the Orchestrator is closed.
func (j *Job) Events() <-chan Event { return j.s.events() }

// Wait blocks until the job ends. A failed, cancelled or timed-out job gives
// an *Error with the library's status and message.
func (j *Job) Wait() (Result, error) {
	<-j.s.done
	j.s.mu.Lock()
	defer j.s.mu.Unlock()
	f := j.s.final
	return Result{Text: f.Text, Transcript: json.RawMessage(f.JSON), InputTokens: f.InputTokens,
		OutputTokens: f.OutputTokens}, j.s.finalError()
}

// Done is closed when the job has ended.
func (j *Job) Done() <-chan struct{} { return j.s.done }

// Cancel ends the job: its running calls are cancelled (their tools' contexts
// too) and it ends with ErrCancelled. Does nothing once it has ended.
func (j *Job) Cancel() { j.s.cancel() }

// CancelGroup cancels every call of the job's branch group name (its
// "groups" in the request) that has not ended; the model sees them as
// cancelled.
func (j *Job) CancelGroup(name string) error { return j.s.cancelGroup(name) }

// CancelCall cancels one call of the job's current round by the id the
// model gave it (Event.CallID of its EventLLMToolCall): it ends ErrCancelled,
// its tool's context is cancelled, the model gets an error result for it and
// the job goes on. An *Error with ErrLate if the call had ended, ErrInvalid
// if the round has no such call.
func (j *Job) CancelCall(id string) error { return j.s.cancelCall(id) }

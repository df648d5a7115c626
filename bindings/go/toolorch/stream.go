package toolorch

import (
	"context"
	"sync"

	"toolorch.dev/go/toolorch/internal/capi"
)

// stream is what a Job and a Batch share: the C handle, the events its
// consumer hands over (kept until read, so a slow reader never blocks the
// consumer), and the end.
type stream struct {
	o     *Orchestrator
	job   capi.Struct_SS_toolorch_job   // set for a job
	batch capi.Struct_SS_toolorch_batch // set for a batch
	// A batch's groups' scorers by group name: set before its consumer
	// starts, read-only after.
	scorers map[string]ScoreFunc

	mu       sync.Mutex
	released bool    // the C handle was freed
	pending  []Event // not yet sent on ch
	ch       chan Event
	wake     chan struct{} // a new event for the pump
	results  []CallResult  // a batch's CALL_RESULTs
	final    Event         // JOB_DONE / BATCH_DONE (or a synthetic one at Close)
	ctxErr   error         // the context's error, if the context cancelled it
	done     chan struct{} // closed once final is set
}

func newStream(o *Orchestrator) *stream {
	return &stream{o: o, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

func (s *stream) isJob() bool { return s.job != nil && s.job.Swigcptr() != 0 }

func (s *stream) doneType() EventType {
	if s.batch != nil && s.batch.Swigcptr() != 0 {
		return EventBatchDone
	}
	return EventJobDone
}

// push is called by the consumer for every event of this job or batch.
func (s *stream) push(e Event) {
	s.mu.Lock()
	s.pending = append(s.pending, e)
	if e.Type == EventCallResult {
		s.results = append(s.results, resultOf(e))
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// finish records the end; Wait returns and the event channel closes once
// drained. Only the consumer calls it, once.
func (s *stream) finish(final Event) {
	s.mu.Lock()
	s.final = final
	s.mu.Unlock()
	close(s.done)
}

// events starts the pump on first use.
func (s *stream) events() <-chan Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan Event, 64)
		go s.pump()
	}
	return s.ch
}

// pump moves pending events to the channel, then closes it after the end.
// It gives up when the orchestrator is closed and nobody reads.
func (s *stream) pump() {
	defer close(s.ch)
	for {
		s.mu.Lock()
		if len(s.pending) == 0 {
			s.mu.Unlock()
			select {
			case <-s.done:
				s.mu.Lock()
				empty := len(s.pending) == 0
				s.mu.Unlock()
				if empty {
					return
				}
			case <-s.wake:
			}
			continue
		}
		e := s.pending[0]
		s.pending[0] = Event{}
		s.pending = s.pending[1:]
		s.mu.Unlock()
		select {
		case s.ch <- e:
		case <-s.o.base.Done():
			return
		}
	}
}

// cancel asks the library to end the job or batch (its end arrives as an
// event like any other).
func (s *stream) cancel() {
	s.o.life.RLock()
	defer s.o.life.RUnlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.released || s.o.ctxGone {
		return
	}
	if s.isJob() {
		capi.Toolorch_job_cancel(s.job)
	} else if s.batch != nil && s.batch.Swigcptr() != 0 {
		capi.Toolorch_batch_cancel(s.batch)
	}
}

// release frees the C handle once the end has been seen.
func (s *stream) release() {
	s.o.life.RLock()
	defer s.o.life.RUnlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.released || s.o.ctxGone {
		return
	}
	s.released = true
	if s.isJob() {
		capi.Toolorch_job_free(s.job)
	} else if s.batch != nil && s.batch.Swigcptr() != 0 {
		capi.Toolorch_batch_free(s.batch)
	}
}

// watch cancels the job or batch when ctx is done before it ends.
func (s *stream) watch(ctx context.Context) {
	if ctx.Done() == nil {
		return
	}
	go func() {
		select {
		case <-ctx.Done():
			s.mu.Lock()
			s.ctxErr = ctx.Err()
			s.mu.Unlock()
			s.cancel()
		case <-s.done:
		}
	}()
}

// finalError is the end as an error (nil when it succeeded).
func (s *stream) finalError() error {
	if s.final.Code == OK {
		return nil
	}
	e := &Error{Code: s.final.Code, Msg: s.final.Text}
	if e.Code == ErrCancelled {
		e.ctxErr = s.ctxErr // a context's deadline or cancel ended it
	}
	return e
}

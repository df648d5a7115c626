package toolorch

import (
	"context"
	"runtime"
	"sync"

	"toolorch.dev/go/toolorch/internal/capi"
)

// Orchestrator is one toolorch context in event-queue mode: the library runs
// its loop on a thread of its own. Each job and batch has its own event queue
// in the library (toolorch_job_start_queued, toolorch_batch_new_queued), read
// by one goroutine of this package (its consumer) until its final event, which
// the library guarantees once, also at Close. Tools written in Go run on
// goroutines started by the consumers; no library thread ever calls into Go.
//
// All methods are safe for concurrent use. Close frees everything.
type Orchestrator struct {
	c capi.Struct_SS_toolorch_ctx

	// life orders every C call on a call, job, batch or the context against
	// Close: users hold it for reading, Close takes it for writing to flip
	// the flags below.
	life sync.RWMutex
	// callsGone: call handles must no longer be touched (set before
	// toolorch_close, which releases the handles the tools held).
	callsGone bool
	// ctxGone: the context is freed.
	ctxGone bool

	mu     sync.Mutex // guards the fields below
	closed bool
	tools  map[string]ToolFunc
	// chainArgs: the closures computing chain steps' arguments, by chain and step name.
	chainArgs map[string]map[string]ChainArgsFunc
	scorer    ScoreFunc                // groups' scorer without their own (SetScorer)
	running   map[uintptr]*runningCall // by call handle: one attempt at a time

	base      context.Context // parent of every tool's context; done at Close
	stopTools context.CancelFunc
	consumers sync.WaitGroup // one per job or batch until its final event
	closeOnce sync.Once
}

// New creates an orchestrator. config is nil (defaults), the JSON
// configuration as a string, []byte or json.RawMessage, or a value encoded as
// JSON (Options, *Options, map[string]any). An unknown key or a wrong type
// gives an *Error with Code ErrConfig naming the key.
func New(config any) (*Orchestrator, error) {
	text, err := configJSON(config)
	if err != nil {
		return nil, err
	}
	opts := capi.Toolorch_opts_new()
	if opts.Swigcptr() == 0 {
		return nil, &Error{Code: ErrNoMemory}
	}
	defer capi.Toolorch_opts_free(opts)
	if text != "" {
		if rc := capi.Toolorch_opts_from_json(opts, text); rc != 0 {
			return nil, newError(rc, capi.Toolorch_opts_last_error(opts))
		}
	}
	// The status and detail of toolorch_new are per thread: read them on the
	// thread that made the call.
	runtime.LockOSThread()
	c := capi.Toolorch_bind_new(opts)
	var startErr *Error
	if c.Swigcptr() == 0 {
		startErr = newError(capi.Toolorch_bind_last_status(), capi.Toolorch_last_error(capi.SwigcptrStruct_SS_toolorch_ctx(0)))
	}
	runtime.UnlockOSThread()
	if startErr != nil {
		return nil, startErr
	}
	o := &Orchestrator{
		c:         c,
		tools:     map[string]ToolFunc{},
		chainArgs: map[string]map[string]ChainArgsFunc{},
		running:   map[uintptr]*runningCall{},
	}
	o.base, o.stopTools = context.WithCancel(context.Background())
	return o, nil
}

// Close cancels everything still running (jobs and batches end with
// ErrClosed, tools see their context cancelled), waits for their consumers and
// frees the library's context. Tools still running afterwards have their
// results dropped. Idempotent.
func (o *Orchestrator) Close() error {
	o.closeOnce.Do(func() {
		o.mu.Lock()
		o.closed = true // no consumer is added after this
		o.mu.Unlock()

		o.life.Lock()
		o.callsGone = true
		o.life.Unlock()
		// Every job and batch not ended gets its final event (ErrClosed)
		// from the library, which ends its consumer.
		capi.Toolorch_close(o.c)
		o.stopTools()
		o.consumers.Wait()

		o.life.Lock()
		o.ctxGone = true
		capi.Toolorch_free(o.c)
		o.life.Unlock()
	})
	return nil
}

// Stat reads one of the context's counters (toolorch_stat): "calls_started",
// "calls_succeeded", "calls_failed", "calls_cancelled", "calls_timed_out",
// "late_completions", "max_running", "running", "waiting". -1 for an unknown
// key or after Close.
func (o *Orchestrator) Stat(key string) int64 {
	o.life.RLock()
	defer o.life.RUnlock()
	if o.ctxGone {
		return -1
	}
	return capi.Toolorch_stat(o.c, key)
}

// lastError is the library's detail of the failure just seen on this thread.
// Callers lock their goroutine to its thread around the failing call.
func (o *Orchestrator) lastError(rc int) *Error {
	return newError(rc, capi.Toolorch_last_error(o.c))
}

// addConsumer counts the consumer of a job or batch about to start (Close
// waits for it); done() when it ends, or at once if the start failed.
func (o *Orchestrator) addConsumer() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return &Error{Code: ErrClosed, Msg: "the orchestrator is closed"}
	}
	o.consumers.Add(1)
	return nil
}

// consume takes the events of one job or batch from its own queue until its
// final event: it starts tools, and hands every other event to the stream.
func (o *Orchestrator) consume(s *stream) {
	defer o.consumers.Done()
	for {
		var ev capi.Struct_SS_toolorch_event
		if s.isJob() {
			ev = capi.Toolorch_bind_job_next_event(s.job, -1)
		} else {
			ev = capi.Toolorch_bind_batch_next_event(s.batch, -1)
		}
		if ev.Swigcptr() == 0 {
			// ECLOSED without a final event: the library gives one before
			// (its close handshake); be safe all the same.
			s.release()
			s.finish(Event{Type: s.doneType(), Code: ErrClosed, Text: "the orchestrator was closed"})
			return
		}
		final := o.handle(s, ev)
		capi.Toolorch_event_free(ev)
		if final {
			return
		}
	}
}

// handle serves one event of s; true for its final one.
func (o *Orchestrator) handle(s *stream, ev capi.Struct_SS_toolorch_event) bool {
	switch int(capi.Toolorch_event_type_of(ev)) {
	case int(capi.TOOLORCH_EVENT_TOOL_CALL): // handled here, never shown
		o.startTool(ev)
		return false
	case int(capi.TOOLORCH_EVENT_CHAIN_ARGS): // a chain step's closure: handled here, never shown
		o.startChainArgs(ev)
		return false
	case int(capi.TOOLORCH_EVENT_SCORE): // a branch's score: handled here, never shown
		o.startScore(s, ev)
		return false
	case int(capi.TOOLORCH_EVENT_TOOL_CANCELLED):
		// The call ended without its result (cancelled, timed out, its job
		// or batch cancelled): cancel the context of the tool working on it.
		o.cancelRunning(capi.Toolorch_event_call(ev).Swigcptr())
		return false
	}
	e := readEvent(ev)
	s.push(e)
	if e.Type == EventJobDone || e.Type == EventBatchDone {
		s.release()
		s.finish(e)
		return true
	}
	return false
}

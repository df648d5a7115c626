package toolorch

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"

	"toolorch.dev/go/toolorch/internal/capi"
)

// Orchestrator is one toolorch context in event-queue mode: the library runs
// its loop on a thread of its own, and one goroutine of this package (the
// dispatcher) takes every event from its queue. Tools written in Go run on
// goroutines started by the dispatcher; no library thread ever calls into Go.
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

	closing atomic.Bool // Close has begun (read by the dispatcher)

	mu     sync.Mutex // guards the fields below
	closed bool
	tools  map[string]ToolFunc
	// chainArgs: the closures computing chain steps' arguments, by chain and step name.
	chainArgs map[string]map[string]ChainArgsFunc
	streams   map[int64]*stream        // jobs and batches by tag
	scorer    ScoreFunc                // groups' scorer without their own (SetScorer)
	running   map[uintptr]*runningCall // by call handle: one attempt at a time
	nextTag   int64

	base       context.Context // parent of every tool's context; done at Close
	stopTools  context.CancelFunc
	dispatched chan struct{} // closed when the dispatcher has ended
	closeOnce  sync.Once
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
		c:          c,
		tools:      map[string]ToolFunc{},
		chainArgs:  map[string]map[string]ChainArgsFunc{},
		streams:    map[int64]*stream{},
		running:    map[uintptr]*runningCall{},
		dispatched: make(chan struct{}),
	}
	o.base, o.stopTools = context.WithCancel(context.Background())
	go o.dispatch()
	return o, nil
}

// Close cancels everything still running (jobs and batches end with
// ErrClosed, tools see their context cancelled), waits for the dispatcher and
// frees the library's context. Tools still running afterwards have their
// results dropped. Idempotent.
func (o *Orchestrator) Close() error {
	o.closeOnce.Do(func() {
		o.mu.Lock()
		o.closed = true
		o.mu.Unlock()
		o.closing.Store(true)

		o.life.Lock()
		o.callsGone = true
		o.life.Unlock()
		capi.Toolorch_close(o.c) // wakes the dispatcher with ECLOSED
		o.stopTools()
		<-o.dispatched

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

// addStream registers a job or batch under a fresh tag, before the library
// can emit its first event.
func (o *Orchestrator) addStream(s *stream) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return &Error{Code: ErrClosed, Msg: "the orchestrator is closed"}
	}
	o.nextTag++
	s.tag = o.nextTag
	o.streams[s.tag] = s
	return nil
}

func (o *Orchestrator) dropStream(tag int64) {
	o.mu.Lock()
	delete(o.streams, tag)
	o.mu.Unlock()
}

// dispatch is the one goroutine that takes events from the library's queue:
// it starts tools, and hands every other event to its job or batch.
func (o *Orchestrator) dispatch() {
	defer close(o.dispatched)
	for {
		// No event: EAGAIN (none in time), or ECLOSED once Close has begun.
		// Telling them apart by the flag spares reading the per-thread
		// status, which would need this goroutine locked to its thread (and
		// a thread hand-off every time it blocks).
		ev := capi.Toolorch_bind_next_event(o.c, 1000)
		if ev.Swigcptr() == 0 {
			if o.closing.Load() {
				break
			}
			continue
		}
		o.handle(ev)
		capi.Toolorch_event_free(ev)
	}
	// Whatever did not end ends now.
	o.mu.Lock()
	left := o.streams
	o.streams = map[int64]*stream{}
	o.mu.Unlock()
	for _, s := range left {
		s.finish(Event{Type: s.doneType(), Code: ErrClosed, Text: "the orchestrator was closed"})
	}
}

func (o *Orchestrator) handle(ev capi.Struct_SS_toolorch_event) {
	tag := capi.Toolorch_bind_event_tag(ev)
	switch int(capi.Toolorch_event_type_of(ev)) {
	case int(capi.TOOLORCH_EVENT_TOOL_CALL): // handled here, never shown
		o.startTool(ev)
		return
	case int(capi.TOOLORCH_EVENT_CHAIN_ARGS): // a chain step's closure: handled here, never shown
		o.startChainArgs(ev)
		return
	case int(capi.TOOLORCH_EVENT_SCORE): // a branch's score: handled here, never shown
		o.startScore(ev)
		return
	case int(capi.TOOLORCH_EVENT_TOOL_CANCELLED):
		// The call ended without its result (cancelled, timed out, its job
		// or batch cancelled): cancel the context of the tool working on it.
		o.cancelRunning(capi.Toolorch_event_call(ev).Swigcptr())
		return
	}
	e := readEvent(ev)
	o.mu.Lock()
	s := o.streams[tag]
	o.mu.Unlock()
	if s == nil {
		return
	}
	s.push(e)
	if e.Type == EventJobDone || e.Type == EventBatchDone {
		o.dropStream(tag)
		s.release()
		s.finish(e)
	}
}

package toolorch

import (
	"encoding/json"
	"fmt"
	"runtime"
	"time"

	"toolorch.dev/go/toolorch/internal/capi"
)

// ToolSpec is a tool with every setting of include/toolorch/tool.h. Exactly
// one of Func (a tool written in Go), HTTP (an endpoint the library POSTs
// the arguments to) or Command (a program the library runs, arguments on its
// stdin) says what runs a call.
type ToolSpec struct {
	Name        string
	Description string
	Schema      string    // JSON Schema of the arguments (an object schema); "" for any object
	Flags       ToolFlags // ToolSideEffectFree, ToolRetryable
	// Service whose rate limits the calls take permits of (Options.RateLimits).
	Service string
	// MaxParallel caps this tool's calls running at once (0: only the global cap).
	MaxParallel int
	// Timeout is the deadline of one call (0: the context's tool_timeout_ms).
	Timeout time.Duration
	Retry   *Retry // nil: no retry policy

	Func    ToolFunc
	HTTP    *HTTPEndpoint
	Command []string // argv, run directly (no shell), looked up in PATH
}

// HTTPEndpoint makes a tool an HTTP endpoint: each call POSTs its arguments
// to URL; a 2xx body is the result, anything else fails the call.
type HTTPEndpoint struct {
	URL     string
	Headers []string // "Name: value" (never logged)
}

// Backoff is how the wait between attempts grows (toolorch_backoff).
type Backoff int

const (
	BackoffExponential Backoff = 0
	BackoffLinear      Backoff = 1
	BackoffFixed       Backoff = 2
)

// Retry is a tool's retry policy: up to Attempts more attempts after the
// first, waiting Base, growing per Backoff, capped at Max, with full jitter.
// A Go tool's error is retried when it is marked Retryable(err), or when the
// tool is flagged ToolRetryable and the error is not marked Fatal(err).
type Retry struct {
	Attempts int
	Backoff  Backoff
	Base     time.Duration
	Max      time.Duration
}

// Register adds a tool described by spec.
func (o *Orchestrator) Register(spec ToolSpec) error {
	kinds := 0
	for _, set := range []bool{spec.Func != nil, spec.HTTP != nil, spec.Command != nil} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return &Error{Code: ErrInvalid, Msg: "a tool needs exactly one of Func, HTTP or Command"}
	}
	if spec.Func == nil {
		return o.registerC(spec)
	}
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return &Error{Code: ErrClosed, Msg: "the orchestrator is closed"}
	}
	if _, taken := o.tools[spec.Name]; taken {
		o.mu.Unlock()
		return &Error{Code: ErrExists, Msg: fmt.Sprintf("a tool named %q is registered already", spec.Name)}
	}
	o.tools[spec.Name] = spec.Func
	o.mu.Unlock()

	if err := o.registerC(spec); err != nil {
		o.mu.Lock()
		delete(o.tools, spec.Name)
		o.mu.Unlock()
		return err
	}
	return nil
}

// registerC builds the C tool of spec and registers it.
func (o *Orchestrator) registerC(spec ToolSpec) error {
	t := capi.Toolorch_tool_new(spec.Name)
	if t.Swigcptr() == 0 {
		return &Error{Code: ErrInvalid, Msg: "a tool needs a non-empty name"}
	}
	defer capi.Toolorch_tool_free(t)
	// The setters leave their detail in toolorch_last_error(NULL), per thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	check := func(rc int, what string) error {
		if rc == 0 {
			return nil
		}
		msg := capi.Toolorch_last_error(capi.SwigcptrStruct_SS_toolorch_ctx(0))
		if msg == "" {
			msg = what
		}
		return newError(rc, msg)
	}
	steps := []func() error{
		func() error { return check(capi.Toolorch_tool_set_description(t, spec.Description), "description") },
		func() error {
			if spec.Schema == "" {
				return nil
			}
			return check(capi.Toolorch_tool_set_schema(t, spec.Schema), "schema")
		},
		func() error {
			return check(capi.Toolorch_tool_set_flags(t, uint(spec.Flags)), fmt.Sprintf("unknown tool flags %#x", uint(spec.Flags)))
		},
		func() error { return check(capi.Toolorch_tool_set_service(t, spec.Service), "service") },
		func() error { return check(capi.Toolorch_tool_set_max_parallel(t, spec.MaxParallel), "max_parallel") },
		func() error {
			return check(capi.Toolorch_tool_set_timeout_ms(t, spec.Timeout.Milliseconds()), "timeout")
		},
		func() error {
			if spec.Retry == nil {
				return nil
			}
			r := spec.Retry
			return check(capi.Toolorch_tool_set_retry(t, r.Attempts, int(r.Backoff), r.Base.Milliseconds(),
				r.Max.Milliseconds()), "retry")
		},
		func() error {
			switch {
			case spec.HTTP != nil:
				if err := check(capi.Toolorch_tool_set_http(t, spec.HTTP.URL), "url"); err != nil {
					return err
				}
				for _, h := range spec.HTTP.Headers {
					if err := check(capi.Toolorch_tool_add_http_header(t, h), "header"); err != nil {
						return err
					}
				}
			case spec.Command != nil:
				argv, err := json.Marshal(spec.Command)
				if err != nil {
					return &Error{Code: ErrInvalid, Msg: err.Error()}
				}
				return check(capi.Toolorch_tool_set_command(t, string(argv)), "command")
			}
			return nil
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	o.life.RLock()
	defer o.life.RUnlock()
	if o.ctxGone {
		return &Error{Code: ErrClosed, Msg: "the orchestrator is closed"}
	}
	if rc := capi.Toolorch_register_tool(o.c, t); rc != 0 {
		return o.lastError(rc)
	}
	return nil
}

// failure is a tool's error with the TOOLORCH_FAIL_* flags it carries.
type failure struct {
	err   error
	flags uint
}

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

// Retryable marks a tool's error as worth retrying (a 429, a 5xx, a dropped
// connection): the call is retried when its tool has a Retry policy.
func Retryable(err error) error { return &failure{err, 0x1} }

// Fatal marks a tool's error as never to be retried; with on_failure
// "cancel_siblings" it cancels the rest of the call's group or round.
func Fatal(err error) error { return &failure{err, 0x2} }

// failFlags are the TOOLORCH_FAIL_* flags of a tool's error.
func failFlags(err error) uint {
	var flags uint
	for err != nil {
		if f, ok := err.(*failure); ok {
			flags |= f.flags
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			break
		}
		err = u.Unwrap()
	}
	return flags
}

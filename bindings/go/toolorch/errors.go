package toolorch

import (
	"context"

	"toolorch.dev/go/toolorch/internal/capi"
)

// Code is a status of the C library (toolorch_status): OK or a negative error.
// Codes are append-only. A Code is itself an error, so that
// errors.Is(err, toolorch.ErrConfig) tells what an *Error is about.
type Code int

// The status codes of include/toolorch/status.h. Their values come from the C
// header through SWIG (package capi), never typed here.
var (
	OK             = Code(capi.TOOLORCH_OK)
	ErrInvalid     = Code(capi.TOOLORCH_EINVAL)        // a NULL handle or an argument out of range
	ErrNoMemory    = Code(capi.TOOLORCH_ENOMEM)        // allocation failed
	ErrJSON        = Code(capi.TOOLORCH_EJSON)         // text that should be JSON is not
	ErrConfig      = Code(capi.TOOLORCH_ECONFIG)       // unknown option key or wrong type
	ErrUnknownTool = Code(capi.TOOLORCH_EUNKNOWN_TOOL) // no tool of that name is registered
	ErrSchema      = Code(capi.TOOLORCH_ESCHEMA)       // arguments break the tool's JSON Schema
	ErrExists      = Code(capi.TOOLORCH_EEXIST)        // a tool of that name is already registered
	ErrTool        = Code(capi.TOOLORCH_ETOOL)         // the tool reported a failure
	ErrTimedOut    = Code(capi.TOOLORCH_ETIMEDOUT)     // a deadline passed
	ErrCancelled   = Code(capi.TOOLORCH_ECANCELLED)    // cancelled by the caller or a policy
	ErrAlready     = Code(capi.TOOLORCH_EALREADY)      // the call was completed already by its tool
	ErrLate        = Code(capi.TOOLORCH_ELATE)         // completion after the call ended: dropped
	ErrState       = Code(capi.TOOLORCH_ESTATE)        // not allowed in the handle's current state
	ErrAgain       = Code(capi.TOOLORCH_EAGAIN)        // nothing yet (an empty event queue)
	ErrClosed      = Code(capi.TOOLORCH_ECLOSED)       // the orchestrator is shutting down
	ErrRateLimited = Code(capi.TOOLORCH_ERATELIMITED)  // a rate limit refused the call
	ErrHTTP        = Code(capi.TOOLORCH_EHTTP)         // an HTTP transfer failed
	ErrProvider    = Code(capi.TOOLORCH_EPROVIDER)     // the LLM provider answered with an error
	ErrProtocol    = Code(capi.TOOLORCH_EPROTOCOL)     // a malformed response or stream
	ErrRedis       = Code(capi.TOOLORCH_EREDIS)        // the shared-limits backend failed
	ErrTooBig      = Code(capi.TOOLORCH_ETOOBIG)       // a size or depth limit was exceeded
	ErrMode        = Code(capi.TOOLORCH_EMODE)         // not available in this drive mode
	ErrIO          = Code(capi.TOOLORCH_EIO)           // an OS-level failure (fd, thread, pipe)
	ErrInternal    = Code(capi.TOOLORCH_EINTERNAL)     // a bug in the library
	ErrMaxRounds   = Code(capi.TOOLORCH_EMAXROUNDS)    // a job ran out of rounds
)

// String is the library's name of the code (toolorch_strerror).
func (c Code) String() string { return capi.Toolorch_strerror(int(c)) }

// Error makes a Code usable as a target of errors.Is.
func (c Code) Error() string { return "toolorch: " + c.String() }

// Error is what every failing function of this package returns: the library's
// status and the detail it gave (toolorch_last_error and friends).
type Error struct {
	Code Code
	Msg  string
	// The context.Context error that made the job or batch end (its
	// deadline or its cancel), if that is why it ended: Unwrap gives it.
	ctxErr error
}

// Unwrap gives the context's error when the job or batch ended because its
// context was done: errors.Is(err, context.DeadlineExceeded) then holds for
// a deadline, and context.Canceled for a cancel.
func (e *Error) Unwrap() error { return e.ctxErr }

func (e *Error) Error() string {
	if e.Msg == "" {
		return "toolorch: " + e.Code.String()
	}
	return "toolorch: " + e.Code.String() + ": " + e.Msg
}

// Is matches a Code (errors.Is(err, toolorch.ErrCancelled)), and lets a
// cancelled or timed-out job match context.Canceled / DeadlineExceeded. When
// a context ended it, the context's error decides (through Unwrap): a
// deadline is DeadlineExceeded, never Canceled.
func (e *Error) Is(target error) bool {
	switch t := target.(type) {
	case Code:
		return e.Code == t
	case *Error:
		return e.Code == t.Code
	}
	if e.ctxErr != nil {
		return false // Unwrap answers for the context
	}
	return (target == context.Canceled && e.Code == ErrCancelled) ||
		(target == context.DeadlineExceeded && e.Code == ErrTimedOut)
}

// contextError is the error of a job or batch refused or ended because ctx
// was done.
func contextError(ctx context.Context, msg string) *Error {
	return &Error{Code: ErrCancelled, Msg: msg, ctxErr: ctx.Err()}
}

// newError builds an *Error, naming the code when the library gave no detail.
func newError(code int, msg string) *Error {
	return &Error{Code: Code(code), Msg: msg}
}

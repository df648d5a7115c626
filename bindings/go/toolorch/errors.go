package toolorch

import (
	"context"

	"toolorch.dev/go/toolorch/internal/capi"
)

// Code is a status of the C library (toolorch_status): OK or a negative error.
// Codes are append-only. A Code is itself an error, so that
// errors.Is(err, toolorch.ErrConfig) tells what an *Error is about.
type Code int

// The status codes of include/toolorch/status.h.
const (
	OK             Code = 0
	ErrInvalid     Code = -1  // a NULL handle or an argument out of range
	ErrNoMemory    Code = -2  // allocation failed
	ErrJSON        Code = -3  // text that should be JSON is not
	ErrConfig      Code = -4  // unknown option key or wrong type
	ErrUnknownTool Code = -5  // no tool of that name is registered
	ErrSchema      Code = -6  // arguments break the tool's JSON Schema
	ErrExists      Code = -7  // a tool of that name is already registered
	ErrTool        Code = -8  // the tool reported a failure
	ErrTimedOut    Code = -9  // a deadline passed
	ErrCancelled   Code = -10 // cancelled by the caller or a policy
	ErrAlready     Code = -11 // the call was completed already by its tool
	ErrLate        Code = -12 // completion after the call ended: dropped
	ErrState       Code = -13 // not allowed in the handle's current state
	ErrAgain       Code = -14 // nothing yet (an empty event queue)
	ErrClosed      Code = -15 // the orchestrator is shutting down
	ErrRateLimited Code = -16 // a rate limit refused the call
	ErrHTTP        Code = -17 // an HTTP transfer failed
	ErrProvider    Code = -18 // the LLM provider answered with an error
	ErrProtocol    Code = -19 // a malformed response or stream
	ErrRedis       Code = -20 // the shared-limits backend failed
	ErrTooBig      Code = -21 // a size or depth limit was exceeded
	ErrMode        Code = -22 // not available in this drive mode
	ErrIO          Code = -23 // an OS-level failure (fd, thread, pipe)
	ErrInternal    Code = -24 // a bug in the library
	ErrMaxRounds   Code = -25 // a job ran out of rounds
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
}

func (e *Error) Error() string {
	if e.Msg == "" {
		return "toolorch: " + e.Code.String()
	}
	return "toolorch: " + e.Code.String() + ": " + e.Msg
}

// Is matches a Code (errors.Is(err, toolorch.ErrCancelled)), and lets a
// cancelled or timed-out job match context.Canceled / DeadlineExceeded.
func (e *Error) Is(target error) bool {
	switch t := target.(type) {
	case Code:
		return e.Code == t
	case *Error:
		return e.Code == t.Code
	}
	return (target == context.Canceled && e.Code == ErrCancelled) ||
		(target == context.DeadlineExceeded && e.Code == ErrTimedOut)
}

// newError builds an *Error, naming the code when the library gave no detail.
func newError(code int, msg string) *Error {
	return &Error{Code: Code(code), Msg: msg}
}

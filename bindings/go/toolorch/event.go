package toolorch

import (
	"time"

	"toolorch.dev/go/toolorch/internal/capi"
)

// EventType tells what an Event is about (toolorch_event_type).
type EventType int

// Event types (values from the C header through SWIG). TOOL_CALL and
// TOOL_CANCELLED events never reach the caller: the orchestrator runs the tool
// itself, and interrupts it.
var (
	EventCallStarted = EventType(capi.TOOLORCH_EVENT_CALL_STARTED)  // a call got its slot and is running (option emit_call_started)
	EventCallResult  = EventType(capi.TOOLORCH_EVENT_CALL_RESULT)   // a call ended: State, Text = result or error
	EventBatchDone   = EventType(capi.TOOLORCH_EVENT_BATCH_DONE)    // every call of a batch has ended
	EventTextDelta   = EventType(capi.TOOLORCH_EVENT_TEXT_DELTA)    // a piece of the model's text
	EventLLMToolCall = EventType(capi.TOOLORCH_EVENT_LLM_TOOL_CALL) // the model asked for a call (its arguments are complete)
	EventUsage       = EventType(capi.TOOLORCH_EVENT_USAGE)         // tokens used by one LLM response
	EventRoundDone   = EventType(capi.TOOLORCH_EVENT_ROUND_DONE)    // one LLM round and its calls finished
	EventJobDone     = EventType(capi.TOOLORCH_EVENT_JOB_DONE)      // a job ended: Code, Text = final answer or error
	// What became of one guessed call (toolorch/speculation.h): Speculation
	// is the outcome, CallID/Tool/JSON the guess, RunTime the tool time it
	// spent (saved, when used), Text the reason it was dropped.
	EventSpeculation = EventType(capi.TOOLORCH_EVENT_SPECULATION)
	// A running call's tool reported progress (MCP): Progress, ProgressTotal
	// (0: unknown), Text = its message.
	EventProgress = EventType(capi.TOOLORCH_EVENT_PROGRESS)
	// With the option emit_progress_events: a job's LLM request went out
	// (Round, Attempts), ended (Code, RunTime, HTTPStatus, Text = the error),
	// will be retried (Code, Text, HTTPStatus, WaitTime, Attempts of
	// MaxAttempts); a call or LLM request waits for rate-limit permits of
	// the service named by Text.
	EventLLMRequest    = EventType(capi.TOOLORCH_EVENT_LLM_REQUEST)
	EventLLMResponse   = EventType(capi.TOOLORCH_EVENT_LLM_RESPONSE)
	EventLLMRetry      = EventType(capi.TOOLORCH_EVENT_LLM_RETRY)
	EventRateLimitWait = EventType(capi.TOOLORCH_EVENT_RATE_LIMIT_WAIT)
)

func (t EventType) String() string { return capi.Toolorch_event_type_name(int(t)) }

// CallState is where a call is in its life (toolorch_call_state).
type CallState int

// Call states (values from the C header through SWIG); a call reaches
// exactly one of the last four, once.
var (
	CallPending   = CallState(capi.TOOLORCH_CALL_PENDING)
	CallWaiting   = CallState(capi.TOOLORCH_CALL_WAITING)
	CallRunning   = CallState(capi.TOOLORCH_CALL_RUNNING)
	CallSucceeded = CallState(capi.TOOLORCH_CALL_SUCCEEDED)
	CallFailed    = CallState(capi.TOOLORCH_CALL_FAILED)
	CallCancelled = CallState(capi.TOOLORCH_CALL_CANCELLED)
	CallTimedOut  = CallState(capi.TOOLORCH_CALL_TIMED_OUT)
)

func (s CallState) String() string { return capi.Toolorch_call_state_name(int(s)) }

// Event is one thing a job or batch reports while it runs. Fields that do not
// apply to its Type are zero.
type Event struct {
	Type   EventType
	CallID string // CALL_STARTED, CALL_RESULT, LLM_TOOL_CALL
	// CALL_STARTED, CALL_RESULT of a chain's step: the chain's call id ("" otherwise).
	ParentCallID string
	Tool         string // the same
	// LLM_TOOL_CALL and CALL_STARTED: the call's arguments; JOB_DONE: the transcript.
	JSON string
	// CALL_RESULT: the result or error; TEXT_DELTA: the text; JOB_DONE: the
	// final answer or the error.
	Text  string
	State CallState // CALL_RESULT
	Code  Code      // CALL_RESULT, BATCH_DONE, JOB_DONE: OK or the failure
	Round int       // a job's LLM_TOOL_CALL, CALL_RESULT, ROUND_DONE

	InputTokens, OutputTokens int64 // USAGE; JOB_DONE: totals
	// USAGE; JOB_DONE: the parts of InputTokens read from and written to
	// the provider's prompt cache (0 when not reported).
	CacheReadTokens, CacheWriteTokens int64

	Attempts          int           // CALL_RESULT: runs of the tool, retries included; LLM_*: the attempt
	RunTime, WaitTime time.Duration // CALL_RESULT; LLM_RESPONSE (RunTime); LLM_RETRY (WaitTime)

	MaxAttempts int // LLM_RETRY: the last attempt allowed
	HTTPStatus  int // LLM_RESPONSE, LLM_RETRY: the response's HTTP status (0: none)
	// PROGRESS: how far the call is, and the total if the tool said (else 0).
	Progress, ProgressTotal float64
	// CALL_RESULT: how a guessed call was taken over (0: it was not a
	// guess); SPECULATION: the guess's outcome (toolorch_speculation_*).
	Speculation int
	// JOB_DONE: the job's speculation summary as JSON ("" when it did not
	// speculate).
	SpeculationJSON string
}

// readEvent copies what an event of its type carries out of the C event.
func readEvent(ev capi.Struct_SS_toolorch_event) Event {
	e := Event{Type: EventType(capi.Toolorch_event_type_of(ev))}
	switch e.Type {
	case EventCallStarted, EventLLMToolCall:
		e.CallID = capi.Toolorch_event_call_id(ev)
		e.ParentCallID = capi.Toolorch_event_parent_call_id(ev)
		e.Tool = capi.Toolorch_event_tool_name(ev)
		e.JSON = capi.Toolorch_event_json(ev)
		e.Round = capi.Toolorch_event_round(ev)
	case EventCallResult:
		e.CallID = capi.Toolorch_event_call_id(ev)
		e.ParentCallID = capi.Toolorch_event_parent_call_id(ev)
		e.Tool = capi.Toolorch_event_tool_name(ev)
		e.Text = capi.Toolorch_event_text(ev)
		e.State = CallState(capi.Toolorch_event_call_state(ev))
		e.Code = Code(capi.Toolorch_event_status(ev))
		e.Round = capi.Toolorch_event_round(ev)
		e.Attempts = capi.Toolorch_event_attempts(ev)
		e.RunTime = time.Duration(capi.Toolorch_event_run_us(ev)) * time.Microsecond
		e.WaitTime = time.Duration(capi.Toolorch_event_wait_us(ev)) * time.Microsecond
		e.Speculation = capi.Toolorch_event_speculation(ev)
	case EventSpeculation, EventProgress, EventLLMRequest, EventLLMResponse, EventLLMRetry, EventRateLimitWait:
		// Fields that do not apply read as zero.
		e.CallID = capi.Toolorch_event_call_id(ev)
		e.ParentCallID = capi.Toolorch_event_parent_call_id(ev)
		e.Tool = capi.Toolorch_event_tool_name(ev)
		e.JSON = capi.Toolorch_event_json(ev)
		e.Text = capi.Toolorch_event_text(ev)
		e.Code = Code(capi.Toolorch_event_status(ev))
		e.Round = capi.Toolorch_event_round(ev)
		e.Attempts = capi.Toolorch_event_attempts(ev)
		e.MaxAttempts = capi.Toolorch_event_max_attempts(ev)
		e.HTTPStatus = capi.Toolorch_event_http_status(ev)
		e.RunTime = time.Duration(capi.Toolorch_event_run_us(ev)) * time.Microsecond
		e.WaitTime = time.Duration(capi.Toolorch_event_wait_us(ev)) * time.Microsecond
		e.Progress = capi.Toolorch_event_progress(ev)
		e.ProgressTotal = capi.Toolorch_event_progress_total(ev)
		e.Speculation = capi.Toolorch_event_speculation(ev)
	case EventBatchDone:
		e.Code = Code(capi.Toolorch_event_status(ev))
	case EventTextDelta:
		e.Text = capi.Toolorch_event_text(ev)
	case EventUsage:
		e.InputTokens = capi.Toolorch_event_input_tokens(ev)
		e.OutputTokens = capi.Toolorch_event_output_tokens(ev)
		e.CacheReadTokens = capi.Toolorch_event_cache_read_tokens(ev)
		e.CacheWriteTokens = capi.Toolorch_event_cache_write_tokens(ev)
	case EventRoundDone:
		e.Round = capi.Toolorch_event_round(ev)
	case EventJobDone:
		e.Code = Code(capi.Toolorch_event_status(ev))
		e.Text = capi.Toolorch_event_text(ev)
		e.JSON = capi.Toolorch_event_json(ev)
		e.InputTokens = capi.Toolorch_event_input_tokens(ev)
		e.OutputTokens = capi.Toolorch_event_output_tokens(ev)
		e.CacheReadTokens = capi.Toolorch_event_cache_read_tokens(ev)
		e.CacheWriteTokens = capi.Toolorch_event_cache_write_tokens(ev)
		e.SpeculationJSON = capi.Toolorch_event_speculation_json(ev)
	}
	return e
}

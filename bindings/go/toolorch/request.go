package toolorch

import (
	"context"
	"encoding/json"
)

// JobRequest is the typed form of a job's request (include/toolorch/job.h).
// Zero fields keep the library's defaults; StartJob takes the JSON text
// itself, which can hold every key the library knows.
type JobRequest struct {
	Prompt            string     `json:"prompt,omitempty"`
	Messages          []Message  `json:"messages,omitempty"` // instead of Prompt
	System            string     `json:"system,omitempty"`
	Model             string     `json:"model,omitempty"`
	Tools             []string   `json:"tools,omitempty"` // default: every registered tool
	MaxRounds         int        `json:"max_rounds,omitempty"`
	MaxTokens         int        `json:"max_tokens,omitempty"`
	Stream            *bool      `json:"stream,omitempty"`
	ParallelToolCalls *bool      `json:"parallel_tool_calls,omitempty"`
	ToolChoice        string     `json:"tool_choice,omitempty"`
	EagerDispatch     string     `json:"eager_dispatch,omitempty"` // "safe", "all", "off"
	LLMTimeoutMs      int64      `json:"llm_timeout_ms,omitempty"`
	TotalTimeoutMs    int64      `json:"total_timeout_ms,omitempty"`
	LLMRetries        *int       `json:"llm_retries,omitempty"`
	LLMBackoffBaseMs  int64      `json:"llm_backoff_base_ms,omitempty"`
	LLMBackoffMaxMs   int64      `json:"llm_backoff_max_ms,omitempty"`
	OnFailure         string     `json:"on_failure,omitempty"` // "isolate", "cancel_siblings"
	Groups            []JobGroup `json:"groups,omitempty"`
}

// Message is one entry of JobRequest.Messages.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// JobGroup is a branch group of a job: the calls of one round to Tools form
// the group, under the policy.
type JobGroup struct {
	Name  string   `json:"name"`
	Tools []string `json:"tools"`
	GroupPolicy
}

// StartJobRequest is StartJob with a typed request.
func (o *Orchestrator) StartJobRequest(ctx context.Context, req JobRequest) (*Job, error) {
	text, err := json.Marshal(req)
	if err != nil {
		return nil, &Error{Code: ErrInvalid, Msg: err.Error()}
	}
	return o.StartJob(ctx, string(text))
}

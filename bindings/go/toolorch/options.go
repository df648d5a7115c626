package toolorch

import (
	"encoding/json"
	"fmt"
)

// Options is the typed form of the JSON configuration (include/toolorch/opts.h,
// job.h). Zero fields keep the library's defaults. New also takes the JSON
// text itself, which can hold every key the library knows.
type Options struct {
	MaxParallelTools int   `json:"max_parallel_tools,omitempty"` // calls running at once [64]
	ToolTimeoutMs    int64 `json:"tool_timeout_ms,omitempty"`    // default deadline of a call [30000]
	MaxArgsBytes     int64 `json:"max_args_bytes,omitempty"`
	MaxResultBytes   int64 `json:"max_result_bytes,omitempty"`
	MaxJSONDepth     int   `json:"max_json_depth,omitempty"`
	EmitCallStarted  bool  `json:"emit_call_started,omitempty"` // report EventCallStarted
	LLM              *LLM  `json:"llm,omitempty"`               // the provider jobs talk to
	// The "rate_limits" section, as JSON (see lib/limits/README.md).
	RateLimits json.RawMessage `json:"rate_limits,omitempty"`
	// Metrics, the /metrics endpoint and tracing (metrics.go).
	Observability *Observability `json:"observability,omitempty"`
}

// LLM is the "llm" section: which provider jobs use.
type LLM struct {
	Protocol  string            `json:"protocol,omitempty"` // "openai" or "anthropic"
	BaseURL   string            `json:"base_url,omitempty"`
	APIKey    string            `json:"api_key,omitempty"`
	APIKeyEnv string            `json:"api_key_env,omitempty"` // e.g. "OPENAI_API_KEY"
	Model     string            `json:"model,omitempty"`       // the jobs' default model
	Headers   map[string]string `json:"headers,omitempty"`
}

// configJSON turns what New accepts into the library's JSON form.
func configJSON(config any) (string, error) {
	switch c := config.(type) {
	case nil:
		return "", nil
	case string:
		return c, nil
	case []byte:
		return string(c), nil
	case json.RawMessage:
		return string(c), nil
	}
	b, err := json.Marshal(config)
	if err != nil {
		return "", &Error{Code: ErrConfig, Msg: fmt.Sprintf("cannot encode the options: %v", err)}
	}
	return string(b), nil
}

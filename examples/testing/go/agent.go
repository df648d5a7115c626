// A weather agent built on toolorch: the model asks for the tool "weather"
// once per city, the agent looks each city up with a weather service, and the
// model writes the forecast. agent_test.go tests it with the test kit.
package weather

import (
	"context"
	"encoding/json"
	"fmt"

	"toolorch.dev/go/toolorch"
)

// Lookup is the weather service: the forecast for a city.
type Lookup func(ctx context.Context, city string) (string, error)

// Config says which LLM the agent talks to.
type Config struct {
	BaseURL, APIKey, Model string
	EmitCallStarted        bool // tests: report each call's start
}

// New builds the agent: an orchestrator with the tool "weather".
func New(cfg Config, lookup Lookup) (*toolorch.Orchestrator, error) {
	o, err := toolorch.New(toolorch.Options{
		MaxParallelTools: 8,
		EmitCallStarted:  cfg.EmitCallStarted,
		LLM:              &toolorch.LLM{Protocol: "openai", BaseURL: cfg.BaseURL, APIKey: cfg.APIKey, Model: cfg.Model},
	})
	if err != nil {
		return nil, err
	}
	schema := `{"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}`
	err = o.RegisterTool("weather", "The weather forecast for a city", schema, toolorch.ToolSideEffectFree,
		func(ctx context.Context, args json.RawMessage) (string, error) {
			var a struct{ City string }
			if err := json.Unmarshal(args, &a); err != nil {
				return "", err
			}
			return lookup(ctx, a.City)
		})
	if err != nil {
		o.Close()
		return nil, err
	}
	return o, nil
}

// Ask starts a job answering question.
func Ask(ctx context.Context, o *toolorch.Orchestrator, question string) (*toolorch.Job, error) {
	req, _ := json.Marshal(map[string]any{"prompt": question, "tools": []string{"weather"}, "llm_backoff_base_ms": 10})
	job, err := o.StartJob(ctx, string(req))
	if err != nil {
		return nil, fmt.Errorf("weather agent: %w", err)
	}
	return job, nil
}

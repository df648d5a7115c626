package toolorch_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"toolorch.dev/go/toolorch"
)

// Tools written in Go run on goroutines; a batch runs many calls at once
// without an LLM.
func Example() {
	o, err := toolorch.New(toolorch.Options{MaxParallelTools: 16})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer o.Close()

	upper := func(ctx context.Context, args json.RawMessage) (string, error) {
		var a struct{ Text string }
		if err := json.Unmarshal(args, &a); err != nil {
			return "", err
		}
		return strings.ToUpper(a.Text), nil
	}
	schema := `{"type":"object","required":["text"],"properties":{"text":{"type":"string"}}}`
	if err := o.RegisterTool("upper", "Upper-cases a text", schema, toolorch.ToolSideEffectFree, upper); err != nil {
		fmt.Println(err)
		return
	}

	results, err := o.RunBatch(context.Background(), []toolorch.BatchCall{
		{Tool: "upper", Args: `{"text":"alpha"}`, ID: "a"},
		{Tool: "upper", Args: `{"text":"beta"}`, ID: "b"},
		{Tool: "upper", Args: `{}`, ID: "c"}, // breaks the schema: fails, the rest go on
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	sort.Slice(results, func(i, j int) bool { return results[i].CallID < results[j].CallID })
	for _, r := range results {
		fmt.Println(r.CallID, r.State, r.Result, r.Err != nil)
	}
	// Output:
	// a succeeded ALPHA false
	// b succeeded BETA false
	// c failed  true
}

// A job runs the agent loop: the model's tool calls run at once, their
// results go back to it, until it answers. Cancelling ctx cancels the job.
func ExampleOrchestrator_StartJob() {
	o, err := toolorch.New(toolorch.Options{LLM: &toolorch.LLM{
		Protocol: "openai", APIKeyEnv: "OPENAI_API_KEY", Model: "gpt-4o-mini"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer o.Close()
	o.RegisterTool("weather", "Current weather of a city",
		`{"type":"object","required":["city"],"properties":{"city":{"type":"string"}}}`, toolorch.ToolSideEffectFree,
		func(ctx context.Context, args json.RawMessage) (string, error) {
			return `{"sky":"clear","celsius":21}`, nil
		})

	job, err := o.StartJob(context.Background(), `{"prompt": "Weather in Paris and in Oslo?"}`)
	if err != nil {
		fmt.Println(err)
		return
	}
	for ev := range job.Events() {
		switch ev.Type {
		case toolorch.EventTextDelta:
			fmt.Print(ev.Text)
		case toolorch.EventCallResult:
			fmt.Fprintf(os.Stderr, "[%s %s: %s]\n", ev.Tool, ev.State, ev.Text)
		}
	}
	res, err := job.Wait()
	if err != nil {
		fmt.Println("job failed:", err)
		return
	}
	fmt.Println("\nanswer:", res.Text, "tokens:", res.InputTokens+res.OutputTokens)
}

// A chain's step may get its arguments from a Go closure, for logic the
// chain's references cannot say: here the words of the input, sorted.
func ExampleOrchestrator_RegisterChain() {
	o, err := toolorch.New(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer o.Close()
	join := func(_ context.Context, args json.RawMessage) (string, error) { return string(args), nil }
	if err := o.RegisterTool("join", "Echoes its arguments", "", 0, join); err != nil {
		fmt.Println(err)
		return
	}
	sorted := func(_ context.Context, c toolorch.ChainContext) (map[string]any, error) {
		var in struct{ Words []string }
		if err := json.Unmarshal(c.Input, &in); err != nil {
			return nil, err
		}
		sort.Strings(in.Words)
		return map[string]any{"words": in.Words}, nil
	}
	err = o.RegisterChain(`{"name":"tidy","steps":[{"name":"j","tool":"join"}]}`, toolorch.ComputeArgs("j", sorted))
	if err != nil {
		fmt.Println(err)
		return
	}
	results, err := o.RunBatch(context.Background(), []toolorch.BatchCall{
		{Tool: "tidy", Args: `{"words":["pear","apple","fig"]}`, ID: "t"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range results {
		if r.CallID == "t" {
			fmt.Println(r.Result)
		}
	}
	// Output:
	// {"words":["apple","fig","pear"]}
}

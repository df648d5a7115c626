// An outside Go program using the installed toolorch module: a tool written
// in Go, called three times at once through a batch, then through a chain
// whose step's arguments a Go closure computes, then in a branch group whose
// Go scorer cancels the branch still running (no LLM needed).
// bindings/README.md shows how it is built; tests/packaging/test_outside_go.sh
// builds and runs it against a temporary install prefix.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"sort"
	"strings"

	"toolorch.dev/go/toolorch"
)

func main() {
	o, err := toolorch.New(toolorch.Options{MaxParallelTools: 8})
	if err != nil {
		log.Fatal(err)
	}
	defer o.Close()

	upper := func(ctx context.Context, args json.RawMessage) (string, error) {
		var a struct{ Word string }
		if err := json.Unmarshal(args, &a); err != nil {
			return "", err
		}
		return strings.ToUpper(a.Word), nil
	}
	schema := `{"type":"object","properties":{"word":{"type":"string"}},"required":["word"]}`
	if err := o.RegisterTool("upper", "Upper-cases a word", schema, toolorch.ToolSideEffectFree, upper); err != nil {
		log.Fatal(err)
	}

	var calls []toolorch.BatchCall
	for _, w := range []string{"go", "java", "ruby"} {
		calls = append(calls, toolorch.BatchCall{Tool: "upper", Args: fmt.Sprintf(`{"word":%q}`, w), ID: w})
	}
	results, err := o.RunBatch(context.Background(), calls)
	if err != nil {
		log.Fatal(err)
	}
	sort.Slice(results, func(i, j int) bool { return results[i].CallID < results[j].CallID })
	for _, r := range results {
		if r.Err != nil {
			log.Fatalf("%s: %v", r.CallID, r.Err)
		}
		fmt.Printf("upper(%s) = %s\n", r.CallID, r.Result)
	}

	join := func(_ context.Context, c toolorch.ChainContext) (map[string]any, error) {
		var in struct{ Words []string }
		if err := json.Unmarshal(c.Input, &in); err != nil {
			return nil, err
		}
		return map[string]any{"word": strings.Join(in.Words, "-")}, nil
	}
	chain := `{"name":"shout","steps":[{"name":"u","tool":"upper"}]}`
	if err := o.RegisterChain(chain, toolorch.ComputeArgs("u", join)); err != nil {
		log.Fatal(err)
	}
	results, err = o.RunBatch(context.Background(), []toolorch.BatchCall{
		{Tool: "shout", Args: `{"words":["a","chain"]}`, ID: "shout"}})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range results {
		if r.CallID == "shout" {
			if r.Err != nil {
				log.Fatalf("shout: %v", r.Err)
			}
			fmt.Printf("shout = %s\n", r.Result)
		}
	}

	hold := func(ctx context.Context, _ json.RawMessage) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	}
	if err := o.RegisterTool("hold", "Waits until cancelled", "", 0, hold); err != nil {
		log.Fatal(err)
	}
	score := func(_ context.Context, s toolorch.Scored) (float64, error) {
		if s.Result == "YES" {
			return 1, nil
		}
		return 0, nil
	}
	group := toolorch.Group{Name: "g", Policy: toolorch.GroupPolicy{CancelOnBetterResult: &toolorch.Threshold{Threshold: 0.5}},
		Scorer: score}
	b, err := o.StartGroupedBatch(context.Background(), []toolorch.Group{group}, []toolorch.BatchCall{
		{Tool: "upper", Args: `{"word":"yes"}`, ID: "yes", Group: "g"}, {Tool: "hold", ID: "hold", Group: "g"}})
	if err != nil {
		log.Fatal(err)
	}
	results, err = b.Wait()
	if err != nil {
		log.Fatal(err)
	}
	sort.Slice(results, func(i, j int) bool { return results[i].CallID < results[j].CallID })
	fmt.Printf("scored: %s %s, %s %s\n", results[0].CallID, results[0].State, results[1].CallID, results[1].State)
}

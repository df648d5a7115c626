// An outside Go program using the installed toolorch module: a tool written
// in Go, called three times at once through a batch, then through a chain
// whose step's arguments a Go closure computes (no LLM needed).
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
}

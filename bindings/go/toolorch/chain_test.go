package toolorch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// A Go closure computes a chain step's arguments from the chain's input and
// an earlier step's result; the tool gets them; its error fails the chain
// naming the step.
func TestChainClosureComputesArgs(t *testing.T) {
	o := newOrch(t, nil)
	mustRegister(t, o, "search", func(_ context.Context, args json.RawMessage) (string, error) {
		var a struct{ Q string }
		if err := json.Unmarshal(args, &a); err != nil {
			return "", err
		}
		return fmt.Sprintf(`{"top":%q}`, a.Q), nil
	})
	mustRegister(t, o, "combine", func(_ context.Context, args json.RawMessage) (string, error) {
		return "combined " + string(args), nil
	})
	chain := `{"name":"research","steps":[
	    {"name":"s1","tool":"search","args":{"q":"${input#/city} weather"}},
	    {"name":"c","tool":"combine"}]}`
	closure := func(_ context.Context, c ChainContext) (map[string]any, error) {
		var in struct{ City string }
		var s1 struct{ Top string }
		if err := json.Unmarshal(c.Input, &in); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(c.Results["s1"]), &s1); err != nil {
			return nil, err
		}
		if in.City == "Nowhere" {
			return nil, errors.New("nothing found for Nowhere")
		}
		return map[string]any{"parts": []string{strings.ToUpper(s1.Top)}, "chain": c.Chain, "step": c.Step,
			"id": c.CallID}, nil
	}
	err := o.RegisterChain(chain, ComputeArgs("nope", closure))
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("a closure for no step: %v", err)
	}
	if err := o.RegisterChain(chain, ComputeArgs("c", closure)); err != nil {
		t.Fatal(err)
	}
	res, err := o.RunBatch(context.Background(), []BatchCall{
		{Tool: "research", Args: `{"city":"Oslo"}`, ID: "r1"},
		{Tool: "research", Args: `{"city":"Nowhere"}`, ID: "r2"}})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]CallResult{}
	for _, r := range res {
		byID[r.CallID] = r
	}
	want := `combined {"chain":"research","id":"r1/c","parts":["OSLO WEATHER"],"step":"c"}`
	if r := byID["r1"]; r.State != CallSucceeded || r.Result != want {
		t.Fatalf("chain r1: %+v, want %s", r, want)
	}
	if r := byID["r1/c"]; r.State != CallSucceeded || !strings.Contains(r.Result, "OSLO WEATHER") {
		t.Fatalf("step r1/c: %+v", r)
	}
	r2 := byID["r2"]
	if r2.State != CallFailed || r2.Err == nil ||
		!strings.Contains(r2.Err.Error(), `chain "research": step "c" failed: nothing found for Nowhere`) {
		t.Fatalf("chain r2: %+v", r2)
	}
	if _, ran := byID["r2/c"]; ran {
		t.Fatal("the step whose closure failed ran")
	}
	// Requests are not calls: the two chains, two searches and one combine.
	if n := o.Stat("calls_started"); n != 5 {
		t.Fatalf("calls_started = %d, want 5", n)
	}
}

// A closure still computing when its chain's call is cancelled (the batch's
// context ended) sees its context cancelled.
func TestChainClosureCancelled(t *testing.T) {
	o := newOrch(t, nil)
	mustRegister(t, o, "noop", func(context.Context, json.RawMessage) (string, error) { return "{}", nil })
	told := make(chan error, 1)
	err := o.RegisterChain(`{"name":"slow","steps":[{"name":"n","tool":"noop"}]}`,
		ComputeArgs("n", func(ctx context.Context, _ ChainContext) (map[string]any, error) {
			<-ctx.Done()
			told <- ctx.Err()
			return nil, ctx.Err()
		}))
	if err != nil {
		t.Fatal(err)
	}
	bctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := o.RunBatch(bctx, []BatchCall{{Tool: "slow", ID: "s"}}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("RunBatch past its deadline: %v", err)
	}
	select {
	case err := <-told:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("the closure's context ended with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the closure was not told its chain was cancelled")
	}
}
